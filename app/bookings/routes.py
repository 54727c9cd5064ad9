"""HTTP for sessions: parse, authorize, call ops/queries, render."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.bookings import attendance, bp, checks, queries, scheduling, status_flow
from app.bookings.calendar import calendar_response
from app.bookings.forms import (
    BookingForm,
    ReasonForm,
    RequiredReasonForm,
    RescheduleForm,
    parse_wall_time,
)
from app.bookings.slots import appointment_slots, class_slots, practitioners
from app.core.clock import business_today, business_zone
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, can, requires
from app.core.profile_shell import render_profile_tab
from app.models import Booking, Client, Service, utcnow


def _client_id_exists(client_id: int) -> None:
    if db.session.get(Client, client_id) is None:
        abort(404)


@bp.get("/clients/<id:client_id>/sessions")
@requires(Permission.VIEW_CLIENTS)
def sessions_tab(client_id: int):
    return render_profile_tab(client_id, "sessions")


@bp.get("/clients/<id:client_id>/check-ins")
@requires(Permission.VIEW_CLIENTS)
def check_ins_tab(client_id: int):
    return render_profile_tab(client_id, "check-ins")


@bp.get("/clients/<id:client_id>/sessions/list")
@requires(Permission.VIEW_CLIENTS)
def sessions_list(client_id: int):
    """One page of upcoming or past sessions (a filter change or the next page)."""
    when = request.args.get("when", "upcoming")
    status = request.args.get("status", "")
    if when not in ("upcoming", "past") or status not in queries.SESSION_FILTERS:
        abort(404)
    after = request.args.get("after") or None
    try:
        page = queries.sessions_page(client_id, when, utcnow(), status, after)
    except ValueError:
        abort(400)
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return render_page(
        "bookings/sessions_list.html",
        "session_rows" if after else "session_list",
        client_id=client_id,
        sessions_open=client.takes_new_records,
        when=when,
        page=page,
        status_filter=status,
        after=after,
    )


# --- booking ---------------------------------------------------------------------------


def _services() -> list[Service]:
    from sqlalchemy import select

    return db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.name)
    ).all()


def _fill_choices(form, services, staff) -> None:
    # Shorthand dicts (value -> label), the choices shape wtforms keeps.
    if hasattr(form, "service"):
        form.service.choices = {"": "Choose…"} | {str(s.id): s.name for s in services}
    form.practitioner.choices = {"": "Choose…"} | {str(p.id): p.name for p in staff}


def _offered_slots(service: Service | None, practitioner_id, day, ignore=None):
    """The times to offer for the form's current choices (none until they are made)."""
    if service is None or day is None:
        return []
    if day < business_today():
        return []
    zone, now = business_zone(), utcnow()
    if service.is_class:
        return class_slots(service, day, zone, now)
    if practitioner_id is None:
        return []
    return appointment_slots(service, practitioner_id, day, zone, now, ignore)


def _booking_page(client_id, form, status=200, error=None, booked=None):
    services, staff = _services(), practitioners()
    _fill_choices(form, services, staff)
    service = next((s for s in services if s.id == form.service.id_value), None)
    slots = _offered_slots(service, form.practitioner.id_value, form.day.data)
    form.time.choices = {slot.value: slot.label for slot in slots}
    client = db.session.get(Client, client_id)
    if client is None or client.erased_at is not None or client.deleted_at is not None:
        abort(404)
    return render_profile_tab(
        client_id,
        "sessions",
        status=status,
        session_form=form,
        chosen_service=service,
        slots=slots,
        booking_error=error,
        booked=booked,
        blocked=client.booking_policy == "block" if client else False,
    )


@bp.route("/clients/<id:client_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def book(client_id: int):
    """ "Book session": the client preselected; service, practitioner and date first, then
    one of the free times offered (the form redraws itself as the choices change)."""
    if request.method == "GET":
        # The choices so far come as query parameters (the form redraws with GET).
        form = BookingForm(formdata=request.args or None)
        if not request.args:
            form.day.data = business_today()
        return _booking_page(client_id, form)
    # A POST checks the client, service and practitioner once, inside the booking's
    # transaction (ops refuses each beside its field); the form checks what it can alone.
    form = BookingForm()
    form.service.choices = form.practitioner.choices = None
    form.practitioner.optional = True  # a class's comes with its time; ops asks the rest
    if not form.validate():
        return _booking_page(client_id, form, status=422)
    booking_request = scheduling.BookingRequest(
        client_id=client_id,
        service_id=form.service.id_value,
        practitioner_id=form.practitioner.id_value,
        day=form.day.data,
        wall_time=parse_wall_time(form.time.data),
        waitlist=form.waitlist.data,
        confirm_blocked=form.confirm_blocked.data,
    )
    try:
        booking = scheduling.create_booking(booking_request, current_user)
    except checks.BookingRefused as refused:
        if refused.field == "client":
            abort(404)  # unknown, erased or in the trash: as the GET answers
        field = getattr(form, refused.field, None)
        if field is not None:
            field.errors = [str(refused)]
            return _booking_page(client_id, form, status=422)
        return _booking_page(client_id, form, status=422, error=str(refused))
    if not is_fragment_request():
        return redirect(url_for("bookings.sessions_tab", client_id=client_id), 303)
    response = render_profile_tab(client_id, "sessions", booked=booking)
    response.headers["HX-Push-Url"] = url_for("bookings.sessions_tab", client_id=client_id)
    return response


# --- one session -------------------------------------------------------------------------


def _booking_or_404(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    return booking


def _row_response(booking_id: int, status: int = 200, error: str | None = None):
    """The session's row (htmx swaps it in place) or, without htmx, back to the tab."""
    booking = _booking_or_404(booking_id)
    if not is_fragment_request():
        return redirect(url_for("bookings.sessions_tab", client_id=booking.client_id), 303)
    return render_page(
        "bookings/session_row.html",
        "session_row",
        status=status,
        row=queries.session_row(booking_id),
        client_id=booking.client_id,
        sessions_open=db.session.get(Client, booking.client_id).takes_new_records,
        now=utcnow(),
        row_error=error,
    )


# What a session's row can ask, by the "action" of the button pressed: one URL per row.
ROW_ACTIONS = {*status_flow.TRANSITIONS, "remove", "put_back", "check_in"}


@bp.post("/sessions/<id:booking_id>")
@requires(Permission.EDIT_CLIENTS)
def session_action(booking_id: int):
    """Confirm, complete, mark no-show, cancel (with a reason), check in, remove from
    history (with a reason) or put back: the pressed button says which."""
    action = request.form.get("action", "")
    if action not in ROW_ACTIONS:
        abort(400)
    booking = _booking_or_404(booking_id)
    if action in ("remove", "put_back") and not can(current_user, Permission.MANAGE_ATTENDANCE):
        abort(403)
    form = RequiredReasonForm() if action == "remove" else ReasonForm()
    if not form.validate():
        return _row_response(booking_id, 422, " ".join(form.reason.errors))
    reason = form.reason.data or None
    try:
        if action == "remove":
            attendance.remove_from_history(booking_id, reason, current_user)
        elif action == "put_back":
            attendance.put_back_in_history(booking_id, current_user)
        elif action == "check_in":
            attendance.check_in(booking.client_id, current_user, booking_id)
        else:
            status_flow.change_status(booking_id, action, current_user, reason=reason)
    except (checks.SessionChanged, checks.ClientClosed) as changed:
        return _row_response(booking_id, 409, str(changed))
    except (status_flow.NotYet, checks.BookingRefused) as refused:
        return _row_response(booking_id, 422, str(refused))
    return _row_response(booking_id)


@bp.route("/sessions/<id:booking_id>/reschedule", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def reschedule(booking_id: int):
    booking = _booking_or_404(booking_id)
    closed = db.session.get(Client, booking.client_id).closed_reason
    if closed:
        return _row_response(booking_id, 409, closed)
    service = db.session.get(Service, booking.service_id)
    if request.method == "GET":
        form = RescheduleForm(formdata=request.args or None)
        if not request.args:
            form.day.data = booking.starts_at.astimezone(business_zone()).date()
            form.practitioner.data = str(booking.practitioner_id or "")
    else:
        form = RescheduleForm()
    status, error = 200, None
    if request.method == "POST":
        _fill_choices(form, [], practitioners())
        if form.validate():
            try:
                scheduling.reschedule(
                    booking_id,
                    form.practitioner.id_value,
                    form.day.data,
                    parse_wall_time(form.time.data),
                    current_user,
                )
            except (checks.SessionChanged, checks.ClientClosed) as changed:
                return _row_response(booking_id, 409, str(changed))
            except checks.BookingRefused as refused:
                field = getattr(form, refused.field, None)
                if field is not None:
                    field.errors = [str(refused)]
                else:
                    error = str(refused)
            else:
                return _row_response(booking_id)
        status = 422
    _fill_choices(form, [], practitioners())
    slots = _offered_slots(service, form.practitioner.id_value, form.day.data, ignore=booking.id)
    form.time.choices = {slot.value: slot.label for slot in slots}
    return render_page(
        "bookings/reschedule.html",
        "reschedule_form",
        status=status,
        booking=booking,
        service=service,
        form=form,
        slots=slots,
        error=error,
    )


@bp.get("/sessions/<id:booking_id>/calendar.ics")
@requires(Permission.VIEW_CLIENTS)
def calendar_file(booking_id: int):
    row = queries.session_row(booking_id)
    if row is None:
        abort(404)
    description = f"With {row.practitioner_name}" if row.practitioner_name else None
    return calendar_response(row.Booking, row.service_name, description)


@bp.post("/clients/<id:client_id>/check-ins")
@requires(Permission.EDIT_CLIENTS)
def check_in(client_id: int):
    """An arrival without a booking (the Check-ins tab); a booked session is checked in
    from its row."""
    _client_id_exists(client_id)
    try:
        attendance.check_in(client_id, current_user)
    except checks.BookingRefused:
        abort(404)
    return redirect(url_for("bookings.check_ins_tab", client_id=client_id), 303)


@bp.get("/sessions/new")
@requires(Permission.EDIT_CLIENTS)
def new_session():
    """ "New session": find the client with the list's instant search, then the same
    booking form as the profile's "Book session"."""
    from app.clients.api import client_page

    query = request.args.get("q", "")[:100]
    found = client_page(query, None, 10).rows if query.strip() else []
    return render_page("bookings/new_session.html", "session_clients", q=query, found=found)
