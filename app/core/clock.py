"""The business clock: the business's time zone and today's date there (the server's clock
may run in another zone)."""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


def business_zone() -> ZoneInfo:
    return _zone(current_app.config["TIMEZONE"])


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def business_today() -> date:
    """Today where the business is (the server's clock may be in another zone)."""
    return datetime.now(business_zone()).date()
