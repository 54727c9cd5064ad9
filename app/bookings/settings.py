"""The booking rules staff set in Settings → Services (kept in business_settings)."""

from contextlib import suppress

from app.core.business_settings import read_settings, store_settings
from app.core.database import write_transaction

LATE_CANCEL_HOURS = "late_cancel_hours"
NO_SHOW_LIMIT = "no_show_limit"  # 0 = the rule is off
NO_SHOW_DAYS = "no_show_days"
REMINDER_HOUR = "reminder_hour"  # the hour (business time) the day-before reminders go
DEFAULTS = {LATE_CANCEL_HOURS: 24, NO_SHOW_LIMIT: 0, NO_SHOW_DAYS: 90, REMINDER_HOUR: 18}


def _values() -> dict[str, int]:
    values = dict(DEFAULTS)
    for key, value in read_settings(*DEFAULTS).items():
        with suppress(ValueError):  # a value written by hand: the default stands
            values[key] = int(value)
    return values


def late_cancel_hours() -> int:
    return _values()[LATE_CANCEL_HOURS]


def no_show_rule() -> tuple[int, int]:
    values = _values()
    return values[NO_SHOW_LIMIT], values[NO_SHOW_DAYS]


def reminder_hour() -> int:
    return min(max(_values()[REMINDER_HOUR], 0), 23)


def all_values() -> dict[str, int]:
    return _values()


def save(values: dict[str, int]) -> None:
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise KeyError(unknown.pop())
    with write_transaction():
        store_settings({key: str(int(value)) for key, value in values.items()})
