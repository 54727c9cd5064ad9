"""Client search: what a query means, how the index narrows it, and the order of results.

Order: clients whose name starts with the last term come first ("jones" lists the
Joneses before "Bob Jonesworth"; "maria garcia" the Garcias called Maria), then every
other match; each group in name order (last name, first name). That is what a
receptionist expects, and it keeps every page cheap on a large database:

- The index (SQLite FTS5 trigram, PostgreSQL pg_trgm) first says which clients match.
  When few do (FEW_MATCHES), those rows are fetched and sorted.
- When many do ("mar", "jones"), the first group comes straight from the name index
  (a range scan that stops when the page is full); the second only when the first
  does not fill the page.
"""

import re

from sqlalchemy import and_, case, func, literal_column, not_, select, text, tuple_

from app.extensions import db
from app.models import Client
from app.text import CONTROL_CHARS, fold, phone_query_digits

MIN_INDEXED_TERM = 3  # trigram indexes match terms of three characters or more
FEW_MATCHES = 2000

# What a row of the client list shows (and sorts by).
LIST_COLUMNS = (
    Client.id,
    Client.first_name,
    Client.last_name,
    Client.email,
    Client.phone,
    Client.updated_at,
    Client.sort_name,
    Client.alert_severity,
    Client.booking_policy,
    Client.locked_at,
    Client.deleted_at,
)


def search_terms(query: str) -> list[str]:
    """The folded terms a query asks for; a phone-like query is one string of digits."""
    query = CONTROL_CHARS.sub(" ", query)
    phone_digits = phone_query_digits(query)
    if phone_digits:
        return [phone_digits]
    return fold(query).split()[:8]


_WORD = re.compile(r"[^\W_]+")


def _longest_word(text: str) -> str:
    return max(_WORD.findall(text), key=len, default="")


def index_window(term: str, splits_words: bool = True) -> str:
    """The telling part of a term to ask the index for; the full term is checked after.

    The domain of an email and the country code of a phone are shared by most clients,
    and a trigram index pays for every common trigram it reads. pg_trgm also splits at
    punctuation (`splits_words`), so "n.brooks" would read the trigrams of a lone "n",
    in most rows: its longest word, "brooks", is what tells clients apart there. SQLite's
    trigram table keeps punctuation, so the whole term is best.
    """
    if term.isdigit():
        return term[-7:]
    if "@" in term:
        local = term.split("@", 1)[0]
        local = _longest_word(local) if splits_words else local
        return local if len(local) >= MIN_INDEXED_TERM else term
    if not splits_words:
        return term if len(term) >= MIN_INDEXED_TERM else ""
    word = _longest_word(term)
    return word if len(word) >= MIN_INDEXED_TERM else ""


def _window(term: str) -> str:
    return index_window(term, splits_words=db.engine.dialect.name != "sqlite")


def index_match(terms: list[str]):
    """A WHERE clause the search index answers: clients whose text holds every window."""
    windows = [_window(term) for term in terms]
    if db.engine.dialect.name == "sqlite":
        match = " AND ".join('"' + window.replace('"', '""') + '"' for window in windows)
        return Client.id.in_(
            select(literal_column("rowid"))
            .select_from(text("client_search"))
            .where(text("client_search MATCH :match").bindparams(match=match))
        )
    # pg_trgm's GIN index serves LIKE '%…%' directly.
    return and_(*[Client.search_text.contains(window, autoescape=True) for window in windows])


def count_matches(terms: list[str], up_to: int) -> int:
    """How many clients the index finds for the terms, counting no further than `up_to`."""
    found = select(Client.id).where(index_match(terms)).limit(up_to).subquery()
    return db.session.scalar(select(func.count()).select_from(found))


def _name_starts_with(prefix: str):
    return and_(Client.sort_name >= prefix, Client.sort_name < prefix + "\uffff")


def search_page(query: str, after_id: int | None, size: int, scope=None) -> list:
    """Up to `size` matching rows after the client `after_id` (in result order).

    `scope` narrows the clients searched (the list's filters; by default those not in
    the trash). It is checked on the rows, like the terms the index was not asked for."""
    if scope is None:
        scope = Client.deleted_at.is_(None)
    terms = search_terms(query)
    if not terms:
        return []
    indexed = [term for term in terms if len(_window(term)) >= MIN_INDEXED_TERM]
    # People type "first last": the last (long) term is the likeliest last name.
    key = (indexed or terms)[-1]
    first_group = _name_starts_with(key)
    others = [term for term in terms if term != key]
    anchor = None
    if after_id is not None:
        anchor = db.session.execute(
            select(Client.sort_name, first_group.label("in_first_group")).where(
                Client.id == after_id
            )
        ).first()
        if anchor is None:
            return []

    # A name that starts with the key holds it already: only the others need checking.
    first_group_matches = and_(first_group, scope, *_holding(others))
    if not indexed:
        # Only short terms ("al", "j"): names that start with the key, from the name index.
        return _in_name_order(first_group_matches, anchor, after_id, size)

    # The index finds whole terms exactly; what it was not asked for is checked on the rows.
    unchecked = [term for term in terms if term not in indexed or _window(term) != term]
    all_matches = and_(index_match(indexed), scope, *_holding(unchecked))
    if count_matches(indexed, FEW_MATCHES + 1) <= FEW_MATCHES:
        return _few_sorted(all_matches, first_group, anchor, after_id, size)

    rows = []
    if anchor is None or anchor.in_first_group:
        rows = _in_name_order(first_group_matches, anchor, after_id, size)
        anchor = None  # the second group starts from its beginning
    if len(rows) < size:
        rows += _in_name_order(
            and_(not_(first_group), all_matches), anchor, after_id, size - len(rows)
        )
    return rows


def _holding(terms: list[str]) -> list:
    """Checks made on each row the index or the name order yields, never through the index:
    PostgreSQL would otherwise read the trigram index for them too, and the trigrams of a
    whole email ("com", "exa") are in most rows."""
    row_text = Client.search_text.concat("")
    return [row_text.contains(term, autoescape=True) for term in terms]


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
