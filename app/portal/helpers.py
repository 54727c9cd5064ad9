"""What the client page's templates read: dates, countries, languages and statuses in
the client's language (the business's time zone), and the business's name."""

from babel import Locale
from flask import g
from flask_babel import format_date, format_time, get_locale
from flask_babel import lazy_gettext as _l

from app.auth.api import MIN_PASSWORD_LENGTH
from app.models import ACCOUNT_TOKEN_HOURS

SESSION_STATUSES = {
    "pending": _l("Waiting for confirmation"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "no_show": _l("Missed"),
    "waitlisted": _l("On the waiting list"),
}


def client_date(value) -> str:
    return format_date(value, "long") if value else ""


def client_datetime(value) -> str:
    """A session's moment: "Dec 2, 2026, 10:00 AM" / "2 dic 2026, 10:00" (no seconds)."""
    if not value:
        return ""
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"


def client_country(code: str | None) -> str:
    if not code:
        return ""
    return get_locale().territories.get(code, code)


def client_language(code: str | None) -> str:
    if not code:
        return ""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(get_locale()) or code
    except (ValueError, TypeError, LookupError):
        return code


def client_session_status(status: str) -> str:
    return str(SESSION_STATUSES.get(status, status))


def business_name() -> str:
    if "portal_business_name" not in g:
        from app.mail.api import business_details

        g.portal_business_name = business_details().name
    return g.portal_business_name


def page_language() -> str:
    return get_locale().language


# What the client page's templates use (listed in app/portal/manifest.py).
PORTAL_FILTERS = {
    function.__name__: function
    for function in (
        client_date,
        client_datetime,
        client_country,
        client_language,
        client_session_status,
    )
}
PORTAL_GLOBALS = {
    "business_name": business_name,
    "page_language": page_language,
    "min_password_length": MIN_PASSWORD_LENGTH,
    "link_hours": ACCOUNT_TOKEN_HOURS,
}
