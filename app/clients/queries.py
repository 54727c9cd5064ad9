"""Reads for the client list, search, profile and timeline: plain functions returning rows."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, select, tuple_
from sqlalchemy.orm import aliased

from app.clients.search import LIST_COLUMNS, search_page
from app.extensions import db
from app.models import Activity, Client, StaffMember
from app.paths import MAX_ID


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def client_page(query: str = "", after_id: int | None = None, limit: int = 50) -> Page:
    """One page of clients, keyset-paged after a client id.

    Without a query, every client sorted by last name, first name; with one, the clients
    that match it, in the order app.clients.search explains.
    """
    if query.strip():
        rows = search_page(query, after_id, limit + 1)
    else:
        statement = select(*LIST_COLUMNS)
        if after_id is not None:
            statement = statement.where(
                tuple_(Client.sort_name, Client.id) > tuple_(_sort_key_of(after_id), after_id)
            )
        rows = db.session.execute(
            statement.order_by(Client.sort_name, Client.id).limit(limit + 1)
        ).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows=rows[:limit], next_cursor=next_cursor)


def _sort_key_of(client_id: int):
    return select(Client.sort_name).where(Client.id == client_id).scalar_subquery()


CreatedBy = aliased(StaffMember)
UpdatedBy = aliased(StaffMember)


# Built once: the profile is the most visited page, and building a statement costs
# about as much as running it.
_PROFILE = (
    select(Client, CreatedBy.name.label("created_by"), UpdatedBy.name.label("updated_by"))
    .outerjoin(CreatedBy, CreatedBy.id == Client.created_by_id)
    .outerjoin(UpdatedBy, UpdatedBy.id == Client.updated_by_id)
    .where(Client.id == bindparam("client_id"))
)


def profile(client_id: int):
    """The client with the names of who created and last updated it, in one query."""
    return db.session.execute(_PROFILE, {"client_id": client_id}).first()


# --- timeline -------------------------------------------------------------------------


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def encode_cursor(occurred_at: datetime, activity_id: int) -> str:
    return f"{(occurred_at - EPOCH) // MICROSECOND}-{activity_id}"


_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,10})$")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor we made."""
    match = _CURSOR.match(cursor)
    if not match:
        raise ValueError("not a timeline cursor")
    if int(match[2]) > MAX_ID:
        raise ValueError("timeline cursor out of range")
    try:
        return EPOCH + int(match[1]) * MICROSECOND, int(match[2])
    except OverflowError as error:
        raise ValueError("timeline cursor out of range") from error


def timeline_page(client_id: int, before: str | None = None, limit: int = 25) -> Page:
    """Events newest first, keyset-paged on (occurred_at, id): ties neither repeat nor vanish."""
    statement = (
        select(Activity, StaffMember.name.label("actor_name"))
        .outerjoin(
            StaffMember,
            and_(Activity.actor_type == "staff", StaffMember.id == Activity.actor_id),
        )
        .where(Activity.client_id == client_id)
    )
    if before:
        moment, activity_id = decode_cursor(before)
        # A row-value comparison lets the index seek straight to the cursor; the
        # equivalent OR makes both databases walk every newer event first.
        statement = statement.where(
            tuple_(Activity.occurred_at, Activity.id) < tuple_(moment, activity_id)
        )
    rows = db.session.execute(
        statement.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1].Activity
        next_cursor = encode_cursor(last.occurred_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)
