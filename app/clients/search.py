"""Client search: what a query means, how the index narrows it, and the order of results.

Order: clients whose name starts with the last term come first ("jones" lists the
Joneses before "Bob Jonesworth"; "maria garcia" the Garcias called Maria), then every
other match; each group in name order (last name, first name). That is what a
receptionist expects, and it keeps every page cheap on a large database:

- A one-term search first reads the first group straight from the name index (a range
  scan that stops when the page is full): "jones" or "smit" need nothing else.
- Otherwise the index (SQLite FTS5 trigram, PostgreSQL pg_trgm) says which clients
  match; when few do (FEW_MATCHES), those rows are read once, counted and sorted in one
  query.
- When many do ("mar"), each group is walked in name order, which soon meets enough.

FEW_MATCHES balances the two: reading 5,000 found rows costs about what walking the
name order past 10,000 names does, and a term found more often is met sooner.
"""

import re

from sqlalchemy import and_, case, func, literal_column, not_, select, text, true, tuple_

from app.core.extensions import db
from app.models import Client
from app.models.text import CONTROL_CHARS, fold, phone_query_digits

MIN_INDEXED_TERM = 3  # trigram indexes match terms of three characters or more
FEW_MATCHES = 5000

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
    # The whole term, punctuation included: pg_trgm then also asks for the word edges
    # it shows ("iam.d": a word ending in "iam", one starting with "d"), 200 rows where
    # "iam" alone finds 13,000. It needs one word of three letters to be worth asking.
    return term if len(_longest_word(term)) >= MIN_INDEXED_TERM else ""


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
    all_matches = and_(scope, *_holding(unchecked))
    rows = []
    first_group_done = anchor is not None and not anchor.in_first_group
    if not others and not first_group_done:
        # One term: the first group is a plain range of the name index and comes first;
        # when it fills the page ("anderson", "smit"), nobody else needs looking at.
        rows = _in_name_order(first_group_matches, anchor, after_id, size)
        if len(rows) == size:
            return rows
        anchor, first_group_done = None, True  # the second group starts from its beginning
        all_matches = and_(not_(first_group), all_matches)
    found = _few_sorted(indexed, all_matches, first_group, anchor, after_id, size - len(rows))
    if found is not None:
        return rows + found

    # Many found ("mar"): each group in name order, which soon meets enough of them.
    all_matches = and_(index_match(indexed), all_matches)
    if not first_group_done:
        rows = _in_name_order(first_group_matches, anchor, after_id, size)
        anchor = None
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


def _few_sorted(indexed, condition, first_group, anchor, after_id, size) -> list | None:
    """The rows that the index finds and `condition` keeps, in result order, when the
    index finds few clients (FEW_MATCHES); None when it finds more.

    One query reads each row found once: up to FEW_MATCHES + 1 of them, how many that
    is, and the page of those that pass. Counting first and fetching after read every
    row twice (the second time through the primary key, dearer than the first).

    The rows found carry only the page's columns, their group and whether they pass:
    the whole row, with the checks re-aimed at it afterwards, cost ~1.5 ms a search to
    build (a proxy per column) and PostgreSQL the width of every row found."""
    found = (
        select(
            *LIST_COLUMNS,
            case((first_group, 0), else_=1).label("group"),
            condition.label("passes"),
        )
        .where(index_match(indexed))
        .limit(FEW_MATCHES + 1)
        .cte("found")
    )
    group = found.c.group
    passed = select(*[found.c[column.key] for column in LIST_COLUMNS], group)
    passed = passed.where(found.c.passes)
    if anchor is not None:
        anchor_group = 0 if anchor.in_first_group else 1
        passed = passed.where(
            tuple_(group, found.c.sort_name, found.c.id)
            > tuple_(anchor_group, anchor.sort_name, after_id)
        )
    passed = passed.order_by(group, found.c.sort_name, found.c.id).limit(size).subquery()
    counted = select(func.count().label("found")).select_from(found).subquery()
    # An outer join, so the count comes back even when no row passes.
    rows = db.session.execute(
        select(counted.c.found, *passed.c)
        .select_from(counted.outerjoin(passed, true()))
        .order_by(passed.c.group, passed.c.sort_name, passed.c.id)
    ).all()
    if rows[0].found > FEW_MATCHES:
        return None
    return [row for row in rows if row.id is not None]
