"""The self check-in kiosk (/kiosk): a narrow session of its own on the reception tablet.

A staff member starts it from the reception page (reception.start_kiosk), which ends
their own session in that browser. From then the browser carries the kiosk's cookie
and nothing else: every path outside /kiosk redirects to /kiosk (the guard below runs
before any other check), and leaving takes a staff member's PIN.

A client types the last four digits of their phone and their birthday; nothing
personal shows before a unique match, and then only their first name and last
initial with today's sessions. Everything else is "Please see reception" (the same
screen whatever the reason), and the reception screen lists them as waiting.
"""

from datetime import timedelta
from pathlib import Path

from babel.dates import format_timedelta, get_month_names
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from app.bookings import checks
from app.core.clock import business_today, business_zone
from app.core.htmx import is_fragment_request, render_page
from app.models import KioskSession, utcnow
from app.reception import kiosk_ops, kiosk_queries

# The kiosk's own pages need no staff sign-in (the manifest makes it a realm of its
# own): its session is checked below.
bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

COOKIE = "clientele_kiosk"
# Reachable from a kiosk browser beside /kiosk itself.
OPEN_TO_KIOSK = {"static", "core.favicon"}
# The browser resets a finished screen (thank you, please see reception) sooner.
FINISHED_SCREEN_SECONDS = 10


def _is_kiosk_path(path: str) -> bool:
    return path == bp.url_prefix or path.startswith(bp.url_prefix + "/")


def kiosk_guard():
    """A browser in kiosk mode reaches nothing but /kiosk. Cheap: it acts only when the
    kiosk's cookie is present, and reads nothing."""
    if COOKIE not in request.cookies:
        return None
    if _is_kiosk_path(request.path) or request.endpoint in OPEN_TO_KIOSK:
        return None
    target = url_for("kiosk.index")
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


@bp.record_once
def _install(state) -> None:
    app = state.app
    # First of all the app's checks: before the staff sign-in gate sends a kiosk
    # browser to /login.
    app.before_request_funcs.setdefault(None, []).insert(0, kiosk_guard)


def _leave_browser(response):
    response.delete_cookie(COOKIE, path="/", samesite="Strict")
    return response


@bp.before_request
def _require_kiosk_session():
    if request.endpoint == "kiosk.stylesheet":
        return None
    g.kiosk = kiosk_ops.find_kiosk(request.cookies.get(COOKIE))
    if g.kiosk is not None:
        return None
    if request.method != "GET":
        # A staff session (or none) cannot act as the kiosk.
        if is_fragment_request() and COOKIE in request.cookies:
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("auth.login")
            return _leave_browser(response)
        abort(403)
    if COOKIE in request.cookies:  # the kiosk's session ended: the tablet is staff's again
        return _leave_browser(redirect(url_for("auth.login")))
    return redirect(url_for("reception.index"))


@bp.after_request
def _never_cached(response):
    if request.endpoint != "kiosk.stylesheet":
        response.headers["Cache-Control"] = "no-store"
    return response


def set_kiosk_cookie(response, token: str):
    config = current_app.config
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite="Strict",
        path="/",
    )
    return response


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
    except checks.SessionChanged:
        return _client_screen(match)  # reception checked them in meanwhile
    except (checks.BookingRefused, PermissionError, LookupError):
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
    return _leave_browser(response)


@bp.get("/kiosk.css")
def stylesheet():
    """The kiosk's own styles (big touch targets), beside its templates."""
    folder = Path(current_app.root_path) / "templates" / "kiosk"
    response = send_from_directory(folder, "kiosk.css", mimetype="text/css", max_age=3600)
    return response
