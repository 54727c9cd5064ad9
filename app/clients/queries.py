"""Reads for the client list, search, profile and timeline: plain functions returning rows."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, select, text, tuple_
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Activity, Client, StaffMember
from app.text import CONTROL_CHARS, fold, phone_query_digits

MIN_INDEXED_TERM = 3  # trigram indexes match terms of three characters or more

LIST_COLUMNS = (
    Client.id,
    Client.first_name,
    Client.last_name,
    Client.email,
    Client.phone,
    Client.updated_at,
    Client.sort_name,
)


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def search_terms(query: str) -> list[str]:
    """The folded terms a query asks for; a phone-like query is one string of digits."""
    query = CONTROL_CHARS.sub(" ", query)
    phone_digits = phone_query_digits(query)
    if phone_digits:
        return [phone_digits]
    return fold(query).split()[:8]


# A search first asks the index which clients match. When there are at most this many,
# those rows are fetched and sorted by name. When there are more (a common fragment
# like "mar"), sorting them all would cost more than walking the clients in name order
# and keeping the matches, which stops as soon as a page is full.
FEW_MATCHES = 2000


def index_window(term: str) -> str:
    """The telling part of a term to ask the index for; the full term is checked after.

    The domain of an email and the country code of a phone are shared by most clients,
    and a trigram index pays for every common trigram it reads.
    """
    if "@" in term:
        local = term.split("@", 1)[0]
        return local if len(local) >= MIN_INDEXED_TERM else term
    if term.isdigit() and len(term) > 7:
        return term[-7:]
    return term


def _index_hits(terms: list[str], limit: int) -> list[int]:
    """Up to `limit` ids of clients whose search text holds every term, from the index."""
    windows = [index_window(term) for term in terms]
    if db.engine.dialect.name == "sqlite":
        match = " AND ".join('"' + window.replace('"', '""') + '"' for window in windows)
        statement = text(
            "SELECT rowid FROM client_search WHERE client_search MATCH :match LIMIT :limit"
        ).bindparams(match=match, limit=limit)
    else:
        statement = (
            select(Client.id)
            .where(*[Client.search_text.contains(window, autoescape=True) for window in windows])
            .limit(limit)
        )
    return list(db.session.scalars(statement))


def _search_filter(terms: list[str]):
    """A WHERE clause for clients matching every term, and how to narrow it first."""
    long_terms = [term for term in terms if len(term) >= MIN_INDEXED_TERM]
    holds_every_term = [Client.search_text.contains(term, autoescape=True) for term in terms]
    if not long_terms:
        # Only short terms ("al", "j"): the start of the last name, from the sort index.
        prefix = terms[0]
        return and_(Client.sort_name >= prefix, Client.sort_name < prefix + "\uffff")
    hits = _index_hits(long_terms, FEW_MATCHES + 1)
    if len(hits) <= FEW_MATCHES:
        return and_(Client.id.in_(hits), *holds_every_term)
    return and_(*holds_every_term)


def client_page(query: str = "", after_id: int | None = None, limit: int = 50) -> Page:
    """One page of clients sorted by last name, first name, keyset-paged after a client id."""
    statement = select(*LIST_COLUMNS)
    terms = search_terms(query) if query.strip() else []
    if terms:
        statement = statement.where(_search_filter(terms))
    if after_id is not None:
        anchor = select(Client.sort_name).where(Client.id == after_id).scalar_subquery()
        # Row values let the index seek to the cursor instead of walking up to it.
        statement = statement.where(tuple_(Client.sort_name, Client.id) > tuple_(anchor, after_id))
    rows = db.session.execute(
        statement.order_by(Client.sort_name, Client.id).limit(limit + 1)
    ).all()
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return Page(rows=rows[:limit], next_cursor=next_cursor)


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


_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,18})$")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor we made."""
    match = _CURSOR.match(cursor)
    if not match:
        raise ValueError("not a timeline cursor")
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
