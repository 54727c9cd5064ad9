"""The booking rules staff set in Settings → Services (kept in business_settings)."""

from contextlib import suppress

from sqlalchemy import select

from app.database import write_transaction
from app.extensions import db
from app.models import BusinessSetting

LATE_CANCEL_HOURS = "late_cancel_hours"
NO_SHOW_LIMIT = "no_show_limit"  # 0 = the rule is off
NO_SHOW_DAYS = "no_show_days"
REMINDER_HOUR = "reminder_hour"  # the hour (business time) the day-before reminders go
DEFAULTS = {LATE_CANCEL_HOURS: 24, NO_SHOW_LIMIT: 0, NO_SHOW_DAYS: 90, REMINDER_HOUR: 18}


def _values() -> dict[str, int]:
    rows = db.session.execute(
        select(BusinessSetting.key, BusinessSetting.value).where(
            BusinessSetting.key.in_(list(DEFAULTS))
        )
    ).all()
    values = dict(DEFAULTS)
    for key, value in rows:
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
    with write_transaction():
        for key, value in values.items():
            if key not in DEFAULTS:
                raise KeyError(key)
            row = db.session.get(BusinessSetting, key)
            if row is None:
                db.session.add(BusinessSetting(key=key, value=str(int(value))))
            else:
                row.value = str(int(value))
