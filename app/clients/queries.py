"""Reads for the client list, search, profile and timeline: plain functions returning rows."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, literal_column, or_, select, text
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


def _matching(terms: list[str], dialect: str):
    """A WHERE clause selecting clients whose search text holds every term."""
    long_terms = [term for term in terms if len(term) >= MIN_INDEXED_TERM]
    clauses = []
    if not long_terms:
        # Only short terms ("al", "j"): a prefix of the sort key, served by its index.
        prefix = terms[0]
        clauses.append(Client.sort_name >= prefix)
        clauses.append(Client.sort_name < prefix + "\uffff")
    elif dialect == "sqlite":
        match = " AND ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
        clauses.append(
            Client.id.in_(
                select(literal_column("rowid"))
                .select_from(text("client_search"))
                .where(text("client_search MATCH :match").bindparams(match=match))
            )
        )
    else:
        clauses += [Client.search_text.contains(term, autoescape=True) for term in long_terms]
    clauses += [
        Client.search_text.contains(term, autoescape=True)
        for term in terms
        if len(term) < MIN_INDEXED_TERM and long_terms
    ]
    return and_(*clauses)


def client_page(query: str = "", after_id: int | None = None, limit: int = 50) -> Page:
    """One page of clients sorted by last name, first name, keyset-paged after a client id."""
    statement = select(*LIST_COLUMNS)
    terms = search_terms(query) if query.strip() else []
    if terms:
        statement = statement.where(_matching(terms, db.engine.dialect.name))
    if after_id is not None:
        anchor = select(Client.sort_name).where(Client.id == after_id).scalar_subquery()
        statement = statement.where(
            or_(
                Client.sort_name > anchor,
                and_(Client.sort_name == anchor, Client.id > after_id),
            )
        )
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
        statement = statement.where(
            or_(
                Activity.occurred_at < moment,
                and_(Activity.occurred_at == moment, Activity.id < activity_id),
            )
        )
    rows = db.session.execute(
        statement.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1].Activity
        next_cursor = encode_cursor(last.occurred_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)
