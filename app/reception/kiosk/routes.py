"""The kiosk's screens and their views: welcome (phone ending and birthday), the client's
sessions today with their check-in, thank you, "Please see reception", and leaving kiosk
mode with a staff member's PIN. A screen is the whole page, or the screen alone for htmx."""

from datetime import timedelta

from babel.dates import format_timedelta, get_month_names
from flask import abort, g, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.bookings.api import BookingRefused, SessionChanged
from app.core.clock import business_today, business_zone
from app.core.htmx import is_fragment_request, render_page
from app.models import KioskSession, utcnow
from app.reception.kiosk import bp
from app.reception.kiosk import ops as kiosk_ops
from app.reception.kiosk import queries as kiosk_queries
from app.reception.kiosk.realm import leave_browser

# The browser resets a finished screen (thank you, please see reception) sooner.
FINISHED_SCREEN_SECONDS = 10


# --- screens ----------------------------------------------------------------------------


def _months() -> list[tuple[int, str]]:
    names = get_month_names("wide", locale=get_locale())
    return [(number, names[number].capitalize()) for number in range(1, 13)]


def _screen(screen: str, status: int = 200, **context):
    """The kiosk page, or its screen alone for htmx."""
    values = {
        "screen": screen,
        "values": {},
        "errors": {},
        "message": None,
        "match": None,
        "sessions": [],
        "checked": None,
        "months": _months(),
        "idle_seconds": int(kiosk_ops.idle_limit().total_seconds()),
        "finished_seconds": FINISHED_SCREEN_SECONDS,
        "language": get_locale().language,
    } | context
    return render_page("kiosk/index.html", "kiosk_screen", status=status, **values)


def _wait_text(until) -> str:
    seconds = max((until - utcnow()).total_seconds(), 1)
    return format_timedelta(timedelta(seconds=seconds), add_direction=False, locale=get_locale())


def _blocked_screen(kiosk: KioskSession, values=None, status=429):
    until = kiosk_ops.blocked_until(kiosk)
    message = _("Too many tries. Please wait %(wait)s, or see reception.", wait=_wait_text(until))
    return _screen("welcome", status, values=values or {}, message=message)


def _client_screen(match, message=None, status=200):
    sessions = kiosk_queries.sessions_today(match.client_id, business_today(), business_zone())
    return _screen("client", status, match=match, sessions=sessions, message=message)


def _see_reception():
    return _screen("help")


@bp.get("")
def index():
    client_id = kiosk_ops.identified_client_id(g.kiosk)
    if client_id is not None:
        match = kiosk_queries.identified(client_id)
        if match is not None:
            return _client_screen(match)
    if kiosk_ops.blocked_until(g.kiosk):
        return _blocked_screen(g.kiosk, status=200)
    return _screen("welcome")


def _read_identity(form) -> tuple[dict, dict, tuple | None]:
    values = {
        "phone": form.get("phone", "")[:20].strip(),
        "day": form.get("day", "")[:10].strip(),
        "month": form.get("month", "")[:10].strip(),
    }
    errors = {}
    digits = values["phone"]
    if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
        errors["phone"] = _("Enter the last four digits of your phone number.")
    day = int(values["day"]) if values["day"].isascii() and values["day"].isdigit() else 0
    if not 1 <= day <= 31:
        errors["day"] = _("Enter the day of the month you were born (1 to 31).")
    month = int(values["month"]) if values["month"].isascii() and values["month"].isdigit() else 0
    if not 1 <= month <= 12:
        errors["month"] = _("Choose the month you were born.")
    return values, errors, None if errors else (digits, day, month)


def _help_reason(found) -> str:
    """Why the kiosk sends a client to reception (reception reads it; the client never)."""
    if not found:
        return "no_match"
    if len(found) > 1:
        return "several"
    return "alert" if found[0].has_alert else "no_session"


@bp.post("/identify")
def identify():
    kiosk = g.kiosk
    values, errors, identity = _read_identity(request.form)
    if kiosk_ops.blocked_until(kiosk):
        return _blocked_screen(kiosk, values)
    if identity is None:
        return _screen("welcome", 422, values=values, errors=errors)
    found = kiosk_queries.matches(*identity)
    match = found[0] if len(found) == 1 else None
    sessions = (
        kiosk_queries.sessions_today(match.client_id, business_today(), business_zone())
        if match is not None and not match.has_alert
        else []
    )
    if not sessions:
        # Every answer that is not the client's own screen counts as a wrong guess, the
        # same way: were only a no-match counted, whether the next guess is paused would
        # tell whoever holds the tablet that a phone ending and birthday are a client's.
        kiosk_ops.ask_reception(
            kiosk.id, match.client_id if match else None, _help_reason(found), failed=True
        )
        return _see_reception()
    kiosk_ops.remember_client(kiosk.id, match.client_id)
    return _screen("client", match=match, sessions=sessions)


@bp.post("/sessions/<id:booking_id>/check-in")
def check_in(booking_id: int):
    kiosk = g.kiosk
    client_id = kiosk_ops.identified_client_id(kiosk)
    match = kiosk_queries.identified(client_id) if client_id is not None else None
    if match is None:
        return _screen("welcome", 409, message=_("Time ran out. Please start again."))
    sessions = kiosk_queries.sessions_today(client_id, business_today(), business_zone())
    session = next((entry for entry in sessions if entry.booking_id == booking_id), None)
    if session is None:
        abort(404)  # only the identified client's sessions of today
    if not session.checkable:
        return _client_screen(match)
    try:
        kiosk_ops.check_in(kiosk.id, client_id, booking_id, kiosk_ops.kiosk_actor(kiosk))
    except SessionChanged:
        return _client_screen(match)  # reception checked them in meanwhile
    except (BookingRefused, PermissionError, LookupError):
        kiosk_ops.ask_reception(kiosk.id, client_id, "check_in_failed")
        return _see_reception()
    return _screen("thanks", match=match, checked=session)


@bp.post("/reset")
def reset():
    """Back to the welcome screen (the "Start again" button, and the page's own reset
    after a minute idle)."""
    kiosk_ops.forget_client(g.kiosk.id)
    return _screen("welcome")


@bp.route("/leave", methods=["GET", "POST"])
def leave():
    """Staff take the tablet out of kiosk mode with their PIN."""
    kiosk = g.kiosk
    if request.method == "GET":
        return _screen("leave")
    if kiosk_ops.blocked_until(kiosk):
        message = _(
            "Too many tries. Please wait %(wait)s.",
            wait=_wait_text(kiosk_ops.blocked_until(kiosk)),
        )
        return _screen("leave", 429, message=message)
    pin = request.form.get("pin", "")[:20]
    if kiosk_ops.pin_holder(pin) is None:
        until = kiosk_ops.record_failure(kiosk.id)
        if until:
            message = _("Too many tries. Please wait %(wait)s.", wait=_wait_text(until))
            return _screen("leave", 429, message=message)
        return _screen("leave", 422, errors={"pin": _("That PIN is not right.")})
    kiosk_ops.end_kiosk(kiosk.id)
    target = url_for("auth.login")
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
    else:
        response = redirect(target, 303)
    return leave_browser(response)
