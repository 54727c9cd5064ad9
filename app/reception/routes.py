"""HTTP for reception: the day's list (which refreshes itself), check-ins, quick find,
starting the kiosk and greeting those it sent to the desk."""

from flask import abort, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.bookings.api import BookingRefused, SessionChanged, check_in
from app.clients.api import client_page
from app.core.clock import business_today, business_zone
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import badges_for
from app.core.paths import parse_id
from app.core.permissions import Permission, requires
from app.models import Booking, utcnow
from app.reception import bp, queries
from app.reception.kiosk import ops as kiosk_ops
from app.reception.kiosk.ops import HELP_REASONS
from app.reception.kiosk.realm import set_kiosk_cookie

FIND_LIMIT = 8
MAX_QUERY_LENGTH = 100


def _page_context(seen: bool = False, after: str | None = None) -> dict:
    """One page of the day's list with the open alerts of its clients."""
    now = utcnow()
    try:
        page = queries.day_page(business_today(), business_zone(), now, seen, after)
    except ValueError:
        abort(400)
    with_alerts = {entry.client_id for entry in page.rows if entry.has_alerts}
    return {
        "page": page,
        "alerts": queries.open_alerts_of(with_alerts),
        # What other areas mark beside a name (an overdue membership), one query a page.
        "badges": badges_for(entry.client_id for entry in page.rows if not entry.client_erased),
        "seen": seen,
    }


def _day_context(notice=None, problem=None) -> dict:
    total, seen_count, waiting_count = queries.day_counts(business_today(), business_zone())
    return {
        **_page_context(),
        "today": business_today(),
        "notice": notice,
        "problem": problem,
        "total": total,
        "arrived": seen_count,
        # The kiosk's calls are read only when someone waits.
        "waiting": queries.waiting() if waiting_count else [],
        "waiting_count": waiting_count,
        "help_reasons": HELP_REASONS,
    }


@bp.get("")
@requires(Permission.VIEW_CLIENTS)
def index():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    return render_page(
        "reception/index.html",
        "reception_day",
        q=query,
        **_found(query),
        max_query_length=MAX_QUERY_LENGTH,
        kiosk_problem=None,
        **_day_context(),
    )


@bp.get("/day")
@requires(Permission.VIEW_CLIENTS)
def day_list():
    """More of the day: the next page of expected clients (the sentinel), or the
    clients already seen ("Arrived and done")."""
    seen = request.args.get("seen") == "1"
    after = request.args.get("after") or None
    if not is_fragment_request():
        return redirect(url_for("reception.index"))
    return render_page("reception/index.html", "day_rows", **_page_context(seen, after))


@bp.get("/find")
@requires(Permission.VIEW_CLIENTS)
def find():
    """The quick find's results (htmx); a plain GET is the reception page with them."""
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    if not is_fragment_request():
        return redirect(url_for("reception.index", q=query or None))
    return render_page("reception/index.html", "found_clients", q=query, **_found(query))


def _found(query: str) -> dict:
    """The quick find's results: as the client list finds them (a scanned pass number
    first), with the badges other areas give them."""
    if not query.strip():
        return {"found": [], "found_badges": {}, "found_identified": None}
    page = client_page(query, None, FIND_LIMIT)
    return {"found": page.rows, "found_badges": page.badges, "found_identified": page.identified_id}


def _after_check_in(notice=None, problem=None, status=200):
    if not is_fragment_request():
        return redirect(url_for("reception.index"), 303)
    return render_page(
        "reception/index.html", "reception_day", status=status, **_day_context(notice, problem)
    )


@bp.post("/sessions/<id:booking_id>/check-in")
@requires(Permission.EDIT_CLIENTS)
def check_in_session(booking_id: int):
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    try:
        check_in(booking.client_id, current_user, booking_id)
    except SessionChanged as changed:
        return _after_check_in(problem=str(changed), status=409)
    except BookingRefused as refused:
        return _after_check_in(problem=str(refused), status=422)
    return _after_check_in(notice="Checked in.")


@bp.post("/walk-in")
@requires(Permission.EDIT_CLIENTS)
def walk_in():
    client_id = parse_id(request.form.get("client", ""))
    if client_id is None:
        abort(400)
    try:
        check_in(client_id, current_user)
    except BookingRefused:
        abort(404)
    return _after_check_in(notice="Walk-in checked in.")


@bp.post("/waiting/seen")
@requires(Permission.VIEW_CLIENTS)
def help_seen():
    """Someone the kiosk sent to the desk has been greeted (the call's id in the form,
    as the walk-in's client is)."""
    help_id = parse_id(request.form.get("help", ""))
    if help_id is None:
        abort(400)
    try:
        kiosk_ops.mark_seen(help_id, current_user)
    except LookupError:
        abort(404)
    return _after_check_in()


@bp.post("/kiosk")
@requires(Permission.EDIT_CLIENTS)
def start_kiosk():
    """This browser becomes the kiosk: the staff session in it ends (the tablet then
    holds no staff rights) and the kiosk's own session starts."""
    try:
        token = kiosk_ops.start_kiosk(current_user)
    except kiosk_ops.KioskRefused as refused:
        query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
        return render_page(
            "reception/index.html",
            "kiosk_start",
            status=422,
            q=query,
            found=[],
            max_query_length=MAX_QUERY_LENGTH,
            kiosk_problem=str(refused),
            **_day_context(),
        )
    logout_user()
    session.end()
    return set_kiosk_cookie(redirect(url_for("kiosk.index"), 303), token)
