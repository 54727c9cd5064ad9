"""Calendar dates of the accounts area: billing periods moved on calendar-correct (a
membership's payments and minimum term, the periods whose credits the job grants), and
a day or a range of days as the timeline and the membership card word them. Dates of a
membership are calendar dates of the business (its time zone).
"""

import calendar
from datetime import date, timedelta

from app.core.templating import local_date


def add_periods(start: date, period: str, n: int, day: int | None = None) -> date:
    """`start` moved on by `n` billing periods ("week", "month", "year"), calendar-correct:
    a month on from 31 January is 28 (or 29) February, and two months on is 31 March: the
    day of the month of `start` (or `day`, when given) is kept whenever the month has it."""
    if period == "week":
        return start + timedelta(weeks=n)
    months = n if period == "month" else 12 * n if period == "year" else None
    if months is None:
        raise ValueError(f"unknown billing period {period!r}")
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    wanted = day or start.day
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def day_text(value: date) -> str:
    return local_date(value, "medium")


def range_text(first: date, last: date) -> str:
    return f"{day_text(first)} – {day_text(last)}"
