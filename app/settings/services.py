"""Settings → Services (with class times and the booking rules) and Settings → Staff
(who takes bookings, their weekly hours and days off)."""

from datetime import date, time

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.bookings.api import (
    ServiceForm,
    parse_wall_time,
    practitioners,
    remove_class_time,
    save_booking_rules,
    save_service,
    set_days_off,
    set_practitioner,
    stored_booking_rules,
)
from app.bookings.api import (
    add_class_time as save_class_time,
)
from app.core.extensions import db
from app.core.htmx import render_page
from app.core.paths import parse_id
from app.core.permissions import Permission, requires
from app.core.settings_pages import bp
from app.mail.api import RulesWithEmailForm, business_details, save_business_details
from app.models import WEEKDAYS, ClassTime, DayOff, Service, StaffMember, WorkingHours


def _services_page(status=200, form=None, rules_form=None, saved=None):
    services = db.session.scalars(select(Service).order_by(Service.active.desc(), Service.name))
    if rules_form is None:
        business = business_details()
        rules_form = RulesWithEmailForm(
            formdata=None,
            data={
                **stored_booking_rules(),
                "business_name": business.name,
                "business_address": business.address,
            },
        )
    return render_page(
        "settings/services.html",
        "service_settings",
        status=status,
        services=services.all(),
        form=form or ServiceForm(formdata=None),
        rules_form=rules_form,
        saved=saved,
    )


def _service_values(form: ServiceForm) -> dict:
    return {
        "name": form.name.data,
        "duration_minutes": form.duration_minutes.data,
        "price_minor": form.price.minor,
        "colour": form.colour.data,
        "capacity": form.capacity.data,
        "active": form.active.data,
    }


@bp.route("/services", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def services():
    if request.method == "GET":
        return _services_page()
    form = ServiceForm()
    if not form.validate():
        return _services_page(422, form=form)
    save_service(_service_values(form), current_user)
    return redirect(url_for("settings.services"), 303)


@bp.post("/services/rules")
@requires(Permission.MANAGE_SETTINGS)
def booking_rules():
    form = RulesWithEmailForm()
    if not form.validate():
        return _services_page(422, rules_form=form)
    save_booking_rules(
        {
            "late_cancel_hours": form.late_cancel_hours.data,
            "no_show_limit": form.no_show_limit.data,
            "no_show_days": form.no_show_days.data,
            "reminder_hour": form.reminder_hour.data,
        }
    )
    save_business_details(form.business_name.data or "", form.business_address.data or "")
    return _services_page(saved="The booking rules are saved.")


def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def _service_page(service, form, status=200, time_error=None):
    class_times = db.session.execute(
        select(ClassTime, StaffMember.name)
        .outerjoin(StaffMember, StaffMember.id == ClassTime.practitioner_id)
        .where(ClassTime.service_id == service.id)
        .order_by(ClassTime.weekday, ClassTime.starts)
    ).all()
    return render_page(
        "settings/service.html",
        "service_form",
        status=status,
        service=service,
        form=form,
        class_times=class_times,
        practitioners=practitioners(),
        weekdays=WEEKDAYS,
        time_error=time_error,
    )


@bp.route("/services/<id:service_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def edit_service(service_id: int):
    service = _service_or_404(service_id)
    if request.method == "GET":
        form = ServiceForm(formdata=None, obj=service)
        form.price.data = f"{service.price_minor / 100:.2f}"
        return _service_page(service, form)
    form = ServiceForm()
    if not form.validate():
        return _service_page(service, form, 422)
    save_service(_service_values(form), current_user, service_id=service.id)
    return redirect(url_for("settings.services"), 303)


@bp.post("/services/<id:service_id>/class-times")
@requires(Permission.MANAGE_SETTINGS)
def add_class_time(service_id: int):
    service = _service_or_404(service_id)
    weekday = request.form.get("weekday", "")
    starts = parse_wall_time(request.form.get("starts"))
    practitioner_id = parse_id(request.form.get("practitioner", ""))
    staff_ids = {member.id for member in practitioners()}
    error = None
    if weekday not in {str(day) for day in range(7)}:
        error = "Choose a weekday."
    elif starts is None:
        error = "Enter a start time like 18:00."
    elif practitioner_id not in staff_ids:
        error = "Choose who leads the class."
    if error:
        form = ServiceForm(formdata=None, obj=service)
        form.price.data = f"{service.price_minor / 100:.2f}"
        return _service_page(service, form, 422, time_error=error)
    save_class_time(service.id, int(weekday), starts, practitioner_id, current_user)
    return redirect(url_for("settings.edit_service", service_id=service.id), 303)


@bp.post("/class-times/<id:class_time_id>/delete")
@requires(Permission.MANAGE_SETTINGS)
def delete_class_time(class_time_id: int):
    class_time = db.session.get(ClassTime, class_time_id)
    if class_time is None:
        abort(404)
    service_id = class_time.service_id
    remove_class_time(class_time_id, current_user)
    return redirect(url_for("settings.edit_service", service_id=service_id), 303)


# --- staff: who takes bookings, and when -------------------------------------------------


@bp.get("/staff")
@requires(Permission.MANAGE_SETTINGS)
def staff():
    members = db.session.scalars(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.name)
    ).all()
    hours = db.session.scalars(select(WorkingHours)).all()
    by_member: dict[int, list] = {}
    for entry in hours:
        by_member.setdefault(entry.staff_id, []).append(entry)
    return render_page(
        "settings/staff.html", "staff_settings", members=members, hours=by_member, weekdays=WEEKDAYS
    )


def _hours_page(member, values, errors, status=200, saved=None):
    return render_page(
        "settings/staff_hours.html",
        "staff_hours",
        status=status,
        member=member,
        values=values,
        errors=errors,
        weekdays=WEEKDAYS,
        saved=saved,
    )


def _current_hours(member) -> dict:
    rows = db.session.scalars(select(WorkingHours).where(WorkingHours.staff_id == member.id))
    values = {"takes_bookings": member.takes_bookings}
    for entry in rows:
        values[f"start-{entry.weekday}"] = entry.starts.strftime("%H:%M")
        values[f"end-{entry.weekday}"] = entry.ends.strftime("%H:%M")
    days_off = db.session.scalars(
        select(DayOff.day).where(DayOff.staff_id == member.id).order_by(DayOff.day)
    )
    values["days_off"] = ", ".join(day.isoformat() for day in days_off)
    return values


def _parse_days_off(text: str) -> set[date] | None:
    days = set()
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            return None
    return days


@bp.route("/staff/<id:staff_id>/hours", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def staff_hours(staff_id: int):
    member = db.session.get(StaffMember, staff_id)
    if member is None or not member.active:
        abort(404)
    if request.method == "GET":
        return _hours_page(member, _current_hours(member), {})
    values = {key: request.form.get(key, "")[:40] for key in request.form}
    values["takes_bookings"] = request.form.get("takes_bookings") == "y"
    errors: dict[str, str] = {}
    hours: dict[int, tuple[time, time] | None] = {}
    for weekday in range(7):
        start_text = values.get(f"start-{weekday}", "").strip()
        end_text = values.get(f"end-{weekday}", "").strip()
        if not start_text and not end_text:
            hours[weekday] = None
            continue
        start, end = parse_wall_time(start_text), parse_wall_time(end_text)
        if start is None or end is None:
            errors[str(weekday)] = (
                "Enter both times like 09:00 and 17:30, or neither for a day off."
            )
        elif end <= start:
            errors[str(weekday)] = "The end must be after the start."
        else:
            hours[weekday] = (start, end)
    days_off = _parse_days_off(values.get("days_off", ""))
    if days_off is None:
        errors["days_off"] = "Write dates like 2027-12-24, separated by commas."
    if errors:
        return _hours_page(member, values, errors, 422)
    set_practitioner(member.id, values["takes_bookings"], hours, current_user)
    set_days_off(member.id, days_off, current_user)
    return _hours_page(member, _current_hours(member), {}, saved="Saved.")
