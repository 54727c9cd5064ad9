"""Search terms people type at a front desk, and search timed in-process (no HTTP)."""

import gc
import random
import statistics
import time
from contextlib import contextmanager

import phonenumbers
from sqlalchemy import event, select

from app.models.text import fold

KINDS = (
    "last name",
    "first name",
    "full name",
    "name prefix",
    "first name + last prefix",
    "accented name",
    "unaccented name",
    "two letters",
    "email local part",
    "full email",
    "email fragment",
    "phone national (020 7946 0958)",
    "phone international (+44 20 …)",
    "phone E.164",
    "phone last 6-8 digits",
    "phone 00 prefix",
    "no match",
)


def _has_accent(text: str | None) -> bool:
    return bool(text) and fold(text) != text.casefold()


def sample_clients(session, count: int, how_many: int, seed: int) -> list:
    """Random clients (with an email and a phone) to draw terms from."""
    from app.models import Client

    rng = random.Random(seed)
    ids = rng.sample(range(1, count + 1), min(count, how_many * 3))
    rows = session.execute(
        select(Client.first_name, Client.last_name, Client.email, Client.phone).where(
            Client.id.in_(ids)
        )
    ).all()
    return [row for row in rows if row.email and row.phone and row.last_name]


def terms(rows: list, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (kind, term) pairs, the kinds in turn."""
    rng = random.Random(seed)
    accented = [row for row in rows if _has_accent(row.last_name) or _has_accent(row.first_name)]
    picked = []
    for position in range(count):
        kind = KINDS[position % len(KINDS)]
        row = rng.choice(accented if "accented" in kind and accented else rows)
        picked.append((kind, _term(kind, row, rng)))
    return picked


def _term(kind: str, row, rng: random.Random) -> str:
    first, last, email, phone = row.first_name, row.last_name, row.email, row.phone
    number = phonenumbers.parse(phone, None)
    digits = phone.lstrip("+")
    if kind == "last name":
        return last
    if kind == "first name":
        return first
    if kind == "full name":
        return f"{first} {last}"
    if kind == "name prefix":
        return last[: rng.randint(3, 5)].lower()
    if kind == "first name + last prefix":
        return f"{first.lower()} {last[:3].lower()}"
    if kind == "accented name":
        return last if _has_accent(last) else first
    if kind == "unaccented name":
        return fold(last) if _has_accent(last) else fold(first)
    if kind == "two letters":
        return last[:2].lower()
    if kind == "email local part":
        return email.split("@")[0]
    if kind == "full email":
        return email
    if kind == "email fragment":
        local = email.split("@")[0]
        start = rng.randint(0, max(0, len(local) - 5))
        return local[start : start + rng.randint(5, 8)]
    if kind.startswith("phone national"):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if kind.startswith("phone international"):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if kind == "phone E.164":
        return phone
    if kind == "phone last 6-8 digits":
        return digits[-rng.randint(6, 8) :]
    if kind == "phone 00 prefix":
        return "00" + digits
    # A typo nobody matches: the kind of query that must come back empty, and fast.
    return fold(last)[:3] + "qx" + fold(first)[:2]


@contextmanager
def captured_statements(engine):
    """The SQL (with parameters) sent while the block runs, for EXPLAIN."""
    seen = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def explain(engine, statement: str, parameters) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    if engine.dialect.name == "sqlite":
        return "\n".join(f"  {'  ' * (row[1] > 0)}{row[-1]}" for row in rows)
    return "\n".join("  " + row[0] for row in rows)


def time_search(app, picked: list[tuple[str, str]], page_size: int) -> dict:
    """Each term once to warm the caches, then each term timed once."""
    from app.clients.list_queries import client_page
    from app.core.extensions import db

    timings = []
    with app.app_context():
        for _, term in picked:
            client_page(term, limit=page_size)
            db.session.remove()
        # As a server worker does once the app is loaded (gunicorn.conf.py): a full garbage
        # collection would otherwise walk this process's whole heap inside one search.
        gc.collect()
        gc.freeze()
        for kind, term in picked:
            started = time.perf_counter()
            page = client_page(term, limit=page_size)
            elapsed = (time.perf_counter() - started) * 1000
            db.session.remove()  # as at the end of a request
            timings.append((elapsed, kind, term, len(page.rows)))
    values = sorted(timing[0] for timing in timings)
    return {
        "median_ms": statistics.median(values),
        "p95_ms": values[max(0, round(0.95 * len(values)) - 1)],
        "max_ms": values[-1],
        "timings": timings,
        "empty": sum(1 for timing in timings if timing[3] == 0),
    }


def explain_terms(app, picked: list[tuple[str, str]], page_size: int, kinds: tuple) -> list[str]:
    """Plans of the search query for one term of each kind asked for."""
    from app.clients.list_queries import client_page
    from app.core.extensions import db

    lines = []
    with app.app_context():
        for kind in kinds:
            term = next((term for k, term in picked if k == kind), None)
            if term is None:
                continue
            with captured_statements(db.engine) as seen:
                client_page(term, limit=page_size)
            db.session.remove()
            lines.append(f"search {kind!r}: {term!r}")
            # Every statement of the search; the page's label badges are not search.
            for statement, parameters in seen:
                if "client_labels" not in statement:
                    lines.append(explain(db.engine, statement, parameters))
    return lines
