"""Filters and globals the templates share: dates in the business time zone, phones,
country and language names."""

from datetime import date, datetime, time
from functools import lru_cache
from urllib.parse import quote

import phonenumbers
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from flask import current_app

from app.core.clock import business_today, business_zone
from app.core.notices import pending_notices
from app.core.permissions import Permission, can
from app.core.settings_pages import settings_pages_for
from app.core.urls import register_template_urls
from app.models import ALERT_SEVERITIES, BOOKING_POLICIES, utcnow


def _locale() -> Locale:
    return _parsed_locale(current_app.config["BUSINESS_LOCALE"])


@lru_cache(maxsize=8)  # babel re-parses a locale given by name on every call (~12 µs)
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def local_datetime(value: datetime | None) -> str:
    """Date and time to the minute in the business time zone: seconds are noise at a desk."""
    if value is None:
        return ""
    local = value.astimezone(business_zone())
    return _minute(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        current_app.config["BUSINESS_LOCALE"],
    )


@lru_cache(maxsize=8192)  # babel takes ~60 µs a moment; lists show the same minutes often
def _minute(year: int, month: int, day: int, hour: int, minute: int, locale_name: str) -> str:
    locale = _parsed_locale(locale_name)
    moment = datetime(year, month, day, hour, minute)
    day = format_date(moment, "medium", locale=locale)
    return f"{day}, {format_time(moment, 'short', locale=locale)}"


def local_date(value: date | datetime | None, style: str = "long") -> str:
    """A calendar date; a moment is first put in the business time zone (its day there)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(business_zone()).date()
    return format_date(value, style, locale=_locale())


def local_time(value: datetime | None) -> str:
    """The time of day in the business time zone ("14:30")."""
    if value is None:
        return ""
    local = value.astimezone(business_zone())
    return _clock(local.hour, local.minute, current_app.config["BUSINESS_LOCALE"])


@lru_cache(maxsize=2048)  # babel takes ~40 µs a time; a reception day shows hundreds
def _clock(hour: int, minute: int, locale: str) -> str:
    return format_time(time(hour, minute), "short", locale=_parsed_locale(locale))


def money(minor: int | None) -> str:
    """Integer minor units (cents) in the business currency, written the local way."""
    if minor is None:
        return ""
    return format_currency(minor / 100, current_app.config["CURRENCY"], locale=_locale())


def iso_datetime(value: datetime) -> str:
    return value.astimezone(business_zone()).isoformat(timespec="seconds")


def age(birth_date: date | None, today: date | None = None) -> int | None:
    if birth_date is None:
        return None
    today = today or business_today()
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def phone_display(e164: str | None) -> str:
    """National format for numbers of the business's region, international otherwise."""
    if not e164:
        return ""
    return _phone_display(e164, current_app.config["DEFAULT_PHONE_REGION"])


@lru_cache(maxsize=4096)  # parsing and formatting cost ~25 µs a number; lists show 50
def _phone_display(e164: str, home_region: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == home_region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def mailto(email: str) -> str:
    """A mailto: link that is only the address: "?", "&" and "%" are legal in an address
    but would add headers (a hidden bcc) to the message."""
    return "mailto:" + quote(email, safe="@.+-_~!$'*=")


def whatsapp_url(e164: str) -> str:
    return "https://wa.me/" + e164.lstrip("+")


@lru_cache(maxsize=4)
def country_names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    excluded = {"EU", "EZ", "UN", "ZZ", "QO"}
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in excluded
    }


@lru_cache(maxsize=4)
def language_names(locale: str) -> dict[str, str]:
    from babel.localedata import locale_identifiers

    names = Locale.parse(locale).languages
    codes = {ident for ident in locale_identifiers() if "_" not in ident}
    return {code: names[code] for code in codes if code in names}


def country_name(code: str | None) -> str:
    return country_names(current_app.config["BUSINESS_LOCALE"]).get(code, code) if code else ""


def language_name(code: str | None) -> str:
    return language_names(current_app.config["BUSINESS_LOCALE"]).get(code, code) if code else ""


def register_template_helpers(app) -> None:
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        local_date=local_date,
        iso_datetime=iso_datetime,
        phone=phone_display,
        country_name=country_name,
        language_name=language_name,
        age=age,
        whatsapp_url=whatsapp_url,
        mailto=mailto,
        money=money,
        local_time=local_time,
    )
    app.jinja_env.globals.update(
        can=can,
        Permission=Permission,
        pending_notices=pending_notices,
        settings_pages_for=settings_pages_for,
        now_utc=utcnow,
    )
    register_template_urls(app)
    register_activity_helpers(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # The paged lists' last item, on nearly every paged fragment, is a global: a
    # {% from %} import runs again at every render, comparing every global of the
    # context with the macro file's (measured in bench/RESULTS.md, "Speed tricks").
    paging = app.jinja_env.get_template("_macros/paging.html").module
    app.jinja_env.globals["sentinel"] = paging.sentinel


def changed_value(field: str, value) -> str:
    """How the audit (and an edit conflict) shows one value of a client field."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if field == "booking_policy":
        return BOOKING_POLICIES.get(value, value)
    if field == "severity":
        return ALERT_SEVERITIES.get(value, value)
    if field in ("phone", "whatsapp"):
        return phone_display(value)
    if field == "birth_date":
        return local_date(value if isinstance(value, date) else date.fromisoformat(value), "medium")
    if field == "country":
        return country_name(value)
    if field == "preferred_language":
        return language_name(value)
    return str(value)


def register_activity_helpers(app) -> None:
    from app.core.timeline import AUDIT_FIELD_LABELS, VERB_LABELS
    from app.models import FIELD_LABELS

    labels = {**FIELD_LABELS, **AUDIT_FIELD_LABELS}
    app.jinja_env.filters.update(
        changed_value=changed_value,
        field_label=lambda field: labels.get(field, field.replace("_", " ").capitalize()),
        verb_label=lambda verb: VERB_LABELS.get(verb, verb),
        severity_label=lambda severity: ALERT_SEVERITIES.get(severity, severity),
        booking_policy_label=lambda policy: BOOKING_POLICIES.get(policy, policy),
    )
