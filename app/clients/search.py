"""Client search: what a query means, how the index narrows it, and the order of results.

Order: clients whose name starts with the first term come first ("jones" lists the
Joneses before "Bob Jonesworth"), then every other match; each group in name order
(last name, first name). That is what a receptionist expects, and it keeps every page
cheap on a large database:

- The index (SQLite FTS5 trigram, PostgreSQL pg_trgm) first says which clients match.
  When few do (FEW_MATCHES), those rows are fetched and sorted.
- When many do ("mar", "jones"), the first group comes straight from the name index
  (a range scan), and the second by walking names in order and keeping matches, which
  stops as soon as the page is full.
"""

from sqlalchemy import and_, case, not_, select, text, tuple_

from app.extensions import db
from app.models import Client
from app.text import CONTROL_CHARS, fold, phone_query_digits

MIN_INDEXED_TERM = 3  # trigram indexes match terms of three characters or more
FEW_MATCHES = 4000

# What a row of the client list shows (and sorts by).
LIST_COLUMNS = (
    Client.id,
    Client.first_name,
    Client.last_name,
    Client.email,
    Client.phone,
    Client.updated_at,
    Client.sort_name,
)


def search_terms(query: str) -> list[str]:
    """The folded terms a query asks for; a phone-like query is one string of digits."""
    query = CONTROL_CHARS.sub(" ", query)
    phone_digits = phone_query_digits(query)
    if phone_digits:
        return [phone_digits]
    return fold(query).split()[:8]


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


def index_hits(terms: list[str], limit: int) -> list[int]:
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


def _name_starts_with(prefix: str):
    return and_(Client.sort_name >= prefix, Client.sort_name < prefix + "\uffff")


def search_page(query: str, after_id: int | None, size: int) -> list:
    """Up to `size` matching rows after the client `after_id` (in result order)."""
    terms = search_terms(query)
    if not terms:
        return []
    holds_every_term = and_(*[Client.search_text.contains(term, autoescape=True) for term in terms])
    first_group = _name_starts_with(terms[0])
    anchor = None
    if after_id is not None:
        anchor = db.session.execute(
            select(Client.sort_name, first_group.label("in_first_group")).where(
                Client.id == after_id
            )
        ).first()
        if anchor is None:
            return []

    long_terms = [term for term in terms if len(term) >= MIN_INDEXED_TERM]
    if not long_terms:
        # Only short terms ("al", "j"): names that start with the first, from the name index.
        return _in_name_order(and_(first_group, holds_every_term), anchor, after_id, size)

    hits = index_hits(long_terms, FEW_MATCHES + 1)
    if len(hits) <= FEW_MATCHES:
        return _few_sorted(
            and_(Client.id.in_(hits), holds_every_term), first_group, anchor, after_id, size
        )

    rows = []
    if anchor is None or anchor.in_first_group:
        rows = _in_name_order(and_(first_group, holds_every_term), anchor, after_id, size)
        anchor = None  # the second group starts from its beginning
    if len(rows) < size:
        rows += _in_name_order(
            and_(not_(first_group), holds_every_term), anchor, after_id, size - len(rows)
        )
    return rows


def _in_name_order(condition, anchor, after_id, size) -> list:
    statement = select(*LIST_COLUMNS).where(condition)
    if anchor is not None:
        statement = statement.where(
            tuple_(Client.sort_name, Client.id) > tuple_(anchor.sort_name, after_id)
        )
    return db.session.execute(statement.order_by(Client.sort_name, Client.id).limit(size)).all()


def _few_sorted(condition, first_group, anchor, after_id, size) -> list:
    """The few matching rows in result order, in one query."""
    group = case((first_group, 0), else_=1)
    statement = select(*LIST_COLUMNS).where(condition)
    if anchor is not None:
        anchor_group = 0 if anchor.in_first_group else 1
        statement = statement.where(
            tuple_(group, Client.sort_name, Client.id)
            > tuple_(anchor_group, anchor.sort_name, after_id)
        )
    return db.session.execute(
        statement.order_by(group, Client.sort_name, Client.id).limit(size)
    ).all()
