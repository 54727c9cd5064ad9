"""The per-client session counts kept beside the sessions (ClientSessionCounts:
total, completed, cancelled, no-shows): moved by each session write with count_change,
recounted from the sessions with refresh_counts (history loaded around the booking path,
and a merge's derived rows).
"""

from functools import cache

from sqlalchemy import bindparam, func, select, update

from app.bookings.queries import COUNTED
from app.core.extensions import db
from app.models import Booking, ClientSessionCounts


def _counted(state: tuple[str, bool] | None) -> tuple[int, int, int, int]:
    """What one session adds to (total, completed, cancelled, no-shows) in a state
    (status, removed from history); None is a session that does not exist yet."""
    if state is None:
        return (0, 0, 0, 0)
    status, removed = state
    if removed or status not in COUNTED:
        return (0, 0, 0, 0)
    return (1, status == "completed", status == "cancelled", status == "no_show")


_COUNT_NAMES = ("total", "completed", "cancelled", "no_shows")


@cache
def _count_upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE that adds the given deltas, built once per dialect
    (building it cost more than running it, on every booking)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(ClientSessionCounts).values(
        client_id=bindparam("client_id"), **{name: bindparam(name) for name in _COUNT_NAMES}
    )
    table = ClientSessionCounts.__table__.c
    return statement.on_conflict_do_update(
        index_elements=["client_id"],
        set_={name: table[name] + statement.excluded[name] for name in _COUNT_NAMES},
    )


def count_change(client_id: int, before: tuple[str, bool] | None, after: tuple[str, bool]):
    """Move the client's session counts by what one session's change adds: one
    statement that adds in the database (INSERT … ON CONFLICT DO UPDATE), so two writers
    for one client never lose each other's change."""
    delta = [new - old for new, old in zip(_counted(after), _counted(before), strict=True)]
    if not any(delta):
        return
    db.session.connection().execute(
        _count_upsert(db.engine.dialect.name),
        {"client_id": client_id, **dict(zip(_COUNT_NAMES, delta, strict=True))},
    )


def refresh_counts(client_id: int) -> None:
    """Recount the client's session counts from their sessions, inside the caller's
    write transaction (for sessions written around the booking path, as the benchmark
    loads them; the booking path moves them with count_change). The counts row is
    locked first, so two writers for one client take turns."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    db.session.execute(
        upsert(ClientSessionCounts)
        .values(client_id=client_id, total=0, completed=0, cancelled=0, no_shows=0)
        .on_conflict_do_nothing()
    )
    db.session.execute(
        select(ClientSessionCounts.client_id)
        .where(ClientSessionCounts.client_id == client_id)
        .with_for_update()
    )
    counted = select(
        func.count().filter(Booking.status.in_(COUNTED)),
        func.count().filter(Booking.status == "completed"),
        func.count().filter(Booking.status == "cancelled"),
        func.count().filter(Booking.status == "no_show"),
    ).where(Booking.client_id == client_id, Booking.removed_at.is_(None))
    total, completed, cancelled, no_shows = db.session.execute(counted).one()
    db.session.execute(
        update(ClientSessionCounts)
        .where(ClientSessionCounts.client_id == client_id)
        .values(total=total, completed=completed, cancelled=cancelled, no_shows=no_shows)
    )
