"""Reads for sessions: a client's pages of sessions, their statistics, a day's list."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, select, tuple_

from app.core.database import inline_constants
from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.models import (
    BOOKING_STATUSES,
    HOLDING_STATUSES,
    Booking,
    CheckIn,
    Client,
    ClientSessionCounts,
    Service,
    StaffMember,
)

# The Sessions tab's filter: value in the URL -> what staff read.
SESSION_FILTERS = {"": "All", **BOOKING_STATUSES, "removed": "Removed from history"}
# What "Total sessions" counts: every session but a waiting place and a removed visit.
COUNTED = ("pending", "confirmed", "completed", "cancelled", "no_show")


def _sessions_select():
    return (
        select(
            Booking,
            Service.name.label("service_name"),
            Service.colour.label("service_colour"),
            StaffMember.name.label("practitioner_name"),
        )
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(StaffMember, StaffMember.id == Booking.practitioner_id)
    )


def _status_condition(status: str):
    if status == "removed":
        return Booking.removed_at.is_not(None)
    condition = Booking.removed_at.is_(None)
    if status:
        condition = and_(condition, Booking.status == status)
    return condition


def _in_time(statement, upcoming: bool, now):
    """Upcoming sessions soonest first, or past ones newest first."""
    if upcoming:
        return statement.where(Booking.starts_at >= now).order_by(Booking.starts_at, Booking.id)
    return statement.where(Booking.starts_at < now).order_by(
        Booking.starts_at.desc(), Booking.id.desc()
    )


def _first_page_statement(upcoming: bool):
    """A first page with no status filter (the tab as it opens, and after every booking),
    built once: building the statement cost more than running it."""
    now = bindparam("now", type_=Booking.starts_at.type)
    statement = _sessions_select().where(
        Booking.client_id == bindparam("client_id"), _status_condition("")
    )
    return _in_time(statement, upcoming, now).limit(bindparam("limit", type_=Integer))


_FIRST_PAGES = {"upcoming": _first_page_statement(True), "past": _first_page_statement(False)}


# Ten rows, each with its buttons, fill a tablet's screen; the list's sentinel loads the
# next ten when it is scrolled to. (A page of twenty was a quarter of a booking's time:
# the answer to a booking draws the tab.)
SESSIONS_PAGE = 10


def sessions_page(
    client_id: int,
    when: str,
    now: datetime,
    status: str = "",
    after: str | None = None,
    limit: int = SESSIONS_PAGE,
) -> Page:
    """Upcoming sessions soonest first, or past ones newest first; keyset-paged on
    (starts_at, id), so the 100th page costs what the first does."""
    upcoming = when == "upcoming"
    if not status and not after:
        statement = _FIRST_PAGES[when]
        parameters = {"client_id": client_id, "now": now, "limit": limit + 1}
    else:
        parameters = {}
        statement = _in_time(
            _sessions_select().where(Booking.client_id == client_id, _status_condition(status)),
            upcoming,
            now,
        )
        if after:
            moment, booking_id = decode_cursor(after)
            key = tuple_(Booking.starts_at, Booking.id)
            statement = statement.where(
                key > tuple_(moment, booking_id) if upcoming else key < tuple_(moment, booking_id)
            )
        statement = statement.limit(limit + 1)
    rows = db.session.execute(statement, parameters).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1].Booking
        next_cursor = encode_cursor(last.starts_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)


@dataclass(frozen=True)
class SessionStats:
    total: int
    completed: int
    cancelled: int
    no_shows: int
    last_session: datetime | None
    next_session: datetime | None

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled over all counted sessions; None when there are none."""
        return self.cancelled / self.total if self.total else None


def _last_and_next(client_id):
    """The last session held and the next one to come of the client whose id is
    `client_id` (a column to correlate to), each one seek of (client_id, starts_at)."""
    mine = and_(Booking.client_id == client_id, Booking.removed_at.is_(None))
    now = bindparam("now", type_=Booking.starts_at.type)
    last_session = (
        select(Booking.starts_at)
        .where(mine, Booking.status.in_(HOLDING_STATUSES), Booking.starts_at < now)
        .order_by(Booking.starts_at.desc(), Booking.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    next_session = (
        select(Booking.starts_at)
        .where(mine, Booking.status.in_(("pending", "confirmed")), Booking.starts_at >= now)
        .order_by(Booking.starts_at, Booking.id)
        .limit(1)
        .scalar_subquery()
    )
    return last_session, next_session


_COUNTS = (
    ClientSessionCounts.total,
    ClientSessionCounts.completed,
    ClientSessionCounts.cancelled,
    ClientSessionCounts.no_shows,
)
# Built once: the statistics card is on every Overview, and building the statement cost
# more than running it.
_STATS = inline_constants(
    select(*_COUNTS, *_last_and_next(ClientSessionCounts.client_id)).where(
        ClientSessionCounts.client_id == bindparam("client_id")
    )
)
_NO_SESSIONS = SessionStats(0, 0, 0, 0, None, None)
_STATS_LABELS = ("stats_total", "stats_completed", "stats_cancelled", "stats_no_shows")


def session_stats(client_id: int, now: datetime) -> SessionStats:
    """The statistics card in one query: the counts kept beside the sessions (see
    ops.refresh_counts) and the last and next session, each one seek of the client's
    (client_id, starts_at) index. The clock is a parameter: a session moves from "next"
    to "last" when its time passes, with nothing to maintain. No counts row means no
    session was ever written for the client."""
    row = db.session.connection().execute(_STATS, {"client_id": client_id, "now": now}).first()
    return _NO_SESSIONS if row is None else SessionStats(*row)


def with_session_stats(statement):
    """The same figures as session_stats(), added to the profile's select (see
    app.profile.ProfileColumns): its counts row joined, the last and next session as
    columns."""
    last_session, next_session = _last_and_next(Client.id)
    return statement.outerjoin(
        ClientSessionCounts, ClientSessionCounts.client_id == Client.id
    ).add_columns(
        *(column.label(label) for column, label in zip(_COUNTS, _STATS_LABELS, strict=True)),
        last_session.label("stats_last_session"),
        next_session.label("stats_next_session"),
    )


def session_stats_of(values) -> SessionStats:
    """session_stats() from the profile's row (with_session_stats)."""
    if values["stats_total"] is None:
        return _NO_SESSIONS
    return SessionStats(
        *(values[label] for label in _STATS_LABELS),
        values["stats_last_session"],
        values["stats_next_session"],
    )


def session_row(booking_id: int):
    return db.session.execute(_sessions_select().where(Booking.id == booking_id)).first()


def check_ins_page(client_id: int, limit: int = 50):
    """The client's latest arrivals (a check-in list is short: a page is enough)."""
    return db.session.execute(
        select(CheckIn, Service.name.label("service_name"), Booking.starts_at)
        .outerjoin(Booking, Booking.id == CheckIn.booking_id)
        .outerjoin(Service, Service.id == Booking.service_id)
        .where(CheckIn.client_id == client_id)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
