"""Reads for the kiosk: who matches what a client typed, and their sessions today.

Nothing here is shown before a unique match; the kiosk then shows only the first name,
the last initial and the sessions' times and services."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, extract, select

from app.bookings.api import day_bounds
from app.core.extensions import db
from app.models import Alert, Booking, CheckIn, Client, Service

# Statuses a session has on its day; a check-in applies to the first two.
ON_THE_DAY = ("pending", "confirmed", "completed", "no_show")
CHECKABLE = ("pending", "confirmed")


@dataclass(frozen=True)
class Match:
    client_id: int
    first_name: str
    last_name: str | None
    has_alert: bool

    @property
    def short_name(self) -> str:
        """ "Ada L.": all the kiosk ever says of who it found."""
        initial = (self.last_name or "").strip()[:1]
        return f"{self.first_name} {initial}." if initial else self.first_name


@dataclass(frozen=True)
class TodaySession:
    booking_id: int
    starts_at: datetime
    service_name: str
    checked_in: bool
    checkable: bool


def _active_clients():
    return and_(
        Client.deleted_at.is_(None), Client.erased_at.is_(None), Client.merged_into_id.is_(None)
    )


def matches(phone_last_four: str, day: int, month: int) -> list[Match]:
    """At most two clients (enough to tell "one" from "several") whose phone ends with
    these four digits and who were born on this day of this month. One query."""
    open_alert = (
        select(Alert.id)
        .where(Alert.client_id == Client.id, Alert.resolved_at.is_(None))
        .exists()
        .label("has_alert")
    )
    rows = db.session.execute(
        select(Client.id, Client.first_name, Client.last_name, open_alert)
        .where(
            _active_clients(),
            Client.phone.like(f"%{phone_last_four}"),
            extract("month", Client.birth_date) == month,
            extract("day", Client.birth_date) == day,
        )
        .order_by(Client.id)
        .limit(2)
    ).all()
    return [Match(row.id, row.first_name, row.last_name, bool(row.has_alert)) for row in rows]


def identified(client_id: int) -> Match | None:
    """The client identified in this kiosk session, if still one the kiosk may serve
    (not trashed, erased or merged meanwhile)."""
    open_alert = (
        select(Alert.id)
        .where(Alert.client_id == Client.id, Alert.resolved_at.is_(None))
        .exists()
        .label("has_alert")
    )
    row = db.session.execute(
        select(Client.id, Client.first_name, Client.last_name, open_alert).where(
            Client.id == client_id, _active_clients()
        )
    ).first()
    return Match(row.id, row.first_name, row.last_name, bool(row.has_alert)) if row else None


def sessions_today(client_id: int, day: date, zone) -> list[TodaySession]:
    """The client's sessions of the business day, by time. One query."""
    start, end = day_bounds(day, zone)
    rows = db.session.execute(
        select(
            Booking.id,
            Booking.starts_at,
            Booking.status,
            Service.name.label("service_name"),
            CheckIn.id.label("check_in_id"),
        )
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(CheckIn, CheckIn.booking_id == Booking.id)
        .where(
            Booking.client_id == client_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
            Booking.status.in_(ON_THE_DAY),
            Booking.removed_at.is_(None),
        )
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    return [
        TodaySession(
            row.id,
            row.starts_at,
            row.service_name,
            row.check_in_id is not None,
            row.check_in_id is None and row.status in CHECKABLE,
        )
        for row in rows
    ]
