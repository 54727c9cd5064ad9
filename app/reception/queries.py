"""Reads for the reception screen: the day's sessions with who has arrived, the
open alerts of the day's clients (two queries, whatever the size of the day), and who
the kiosk sent to the desk (counted with the day; listed only when someone waits)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, tuple_

from app.bookings.api import day_bounds
from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.models import Alert, Booking, CheckIn, Client, KioskHelpRequest, Service, StaffMember
from app.models.client import client_open_condition

DUE_SOON = timedelta(minutes=30)
ON_THE_DAY = ("pending", "confirmed", "completed", "no_show")


@dataclass(frozen=True)
class DayEntry:
    booking_id: int
    client_id: int
    client_name: str
    client_erased: bool
    client_open: bool  # not in the trash, erased or merged: the session can be checked in
    has_alerts: bool
    service_name: str
    practitioner_name: str | None
    starts_at: datetime
    status: str
    arrived_at: datetime | None
    state: str  # "arrived", "late", "due", "later", "done"


def _state(status: str, starts_at: datetime, arrived_at, now: datetime) -> str:
    if arrived_at is not None:
        return "arrived"
    if status in ("completed", "no_show"):
        return "done"
    if starts_at <= now:
        return "late"
    if starts_at - now <= DUE_SOON:
        return "due"
    return "later"


DAY_PAGE = 25  # a tablet shows about ten; the sentinel brings the rest


def _day_statement(day: date, zone):
    start, end = day_bounds(day, zone)
    return (
        select(
            Booking.id,
            Booking.client_id,
            Client.first_name,
            Client.last_name,
            Client.erased_at,
            client_open_condition().label("client_open"),
            Client.alert_severity,
            Service.name.label("service_name"),
            StaffMember.name.label("practitioner_name"),
            Booking.starts_at,
            Booking.status,
            CheckIn.at.label("arrived_at"),
        )
        .join(Client, Client.id == Booking.client_id)
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(StaffMember, StaffMember.id == Booking.practitioner_id)
        .outerjoin(CheckIn, CheckIn.booking_id == Booking.id)
        .where(
            and_(Booking.starts_at >= start, Booking.starts_at < end),
            Booking.status.in_(ON_THE_DAY),
            Booking.removed_at.is_(None),
        )
    )


# Still to come in: booked, not checked in, not closed. The rest: arrived or closed.
_EXPECTED = and_(CheckIn.id.is_(None), Booking.status.in_(("pending", "confirmed")))


def day_page(
    day: date,
    zone,
    now: datetime,
    seen: bool = False,
    after: str | None = None,
    limit: int = DAY_PAGE,
) -> Page:
    """One page of the day by time: the clients still expected (late first, as the day
    runs in order), or those already seen; keyset-paged, so a day of 400 sessions
    costs the desk what a day of 40 does."""
    statement = _day_statement(day, zone).where(~_EXPECTED if seen else _EXPECTED)
    if after:
        moment, booking_id = decode_cursor(after)
        statement = statement.where(
            tuple_(Booking.starts_at, Booking.id) > tuple_(moment, booking_id)
        )
    rows = db.session.execute(
        statement.order_by(Booking.starts_at, Booking.id).limit(limit + 1)
    ).all()
    entries = [
        DayEntry(
            row.id,
            row.client_id,
            " ".join(part for part in (row.first_name, row.last_name) if part),
            row.erased_at is not None,
            bool(row.client_open),
            row.alert_severity is not None,
            row.service_name,
            row.practitioner_name,
            row.starts_at,
            row.status,
            row.arrived_at,
            _state(row.status, row.starts_at, row.arrived_at, now),
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = entries[-1]
        next_cursor = encode_cursor(last.starts_at, last.booking_id)
    return Page(rows=entries, next_cursor=next_cursor)


def day_counts(day: date, zone) -> tuple[int, int, int]:
    """(sessions today, of them already seen, people the kiosk sent to the desk who
    are still waiting): one query."""
    start, end = day_bounds(day, zone)
    waiting = (
        select(func.count())
        .select_from(KioskHelpRequest)
        .where(KioskHelpRequest.seen_at.is_(None))
        .scalar_subquery()
    )
    return db.session.execute(
        select(
            func.count(),
            func.count().filter(
                or_(CheckIn.id.is_not(None), Booking.status.in_(("completed", "no_show")))
            ),
            waiting,
        )
        .select_from(Booking)
        .outerjoin(CheckIn, CheckIn.booking_id == Booking.id)
        .where(
            and_(Booking.starts_at >= start, Booking.starts_at < end),
            Booking.status.in_(ON_THE_DAY),
            Booking.removed_at.is_(None),
        )
    ).one()


WAITING_LIMIT = 20


@dataclass(frozen=True)
class Waiting:
    id: int
    client_id: int | None
    client_name: str | None  # None: the kiosk could not tell who it was
    reason: str
    created_at: datetime


def waiting(limit: int = WAITING_LIMIT) -> list[Waiting]:
    """Who the kiosk sent to the desk and nobody has seen yet, longest waiting first:
    one query, whatever their number (the oldest `limit`)."""
    rows = db.session.execute(
        select(
            KioskHelpRequest.id,
            KioskHelpRequest.client_id,
            KioskHelpRequest.reason,
            KioskHelpRequest.created_at,
            Client.first_name,
            Client.last_name,
            Client.erased_at,
        )
        .outerjoin(Client, Client.id == KioskHelpRequest.client_id)
        .where(KioskHelpRequest.seen_at.is_(None))
        .order_by(KioskHelpRequest.created_at, KioskHelpRequest.id)
        .limit(limit)
    ).all()
    return [
        Waiting(
            row.id,
            row.client_id,
            None
            if row.client_id is None or row.erased_at is not None
            else " ".join(part for part in (row.first_name, row.last_name) if part),
            row.reason,
            row.created_at,
        )
        for row in rows
    ]


def open_alerts_of(client_ids: set[int]) -> dict[int, list[Alert]]:
    """client id -> open alerts, most severe first (the banner on each arriving client)."""
    if not client_ids:
        return {}
    rank = {"critical": 0, "warning": 1, "info": 2}
    alerts = db.session.scalars(
        select(Alert).where(Alert.client_id.in_(client_ids), Alert.resolved_at.is_(None))
    ).all()
    found: dict[int, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda alert: rank.get(alert.severity, 3)):
        found.setdefault(alert.client_id, []).append(alert)
    return found
