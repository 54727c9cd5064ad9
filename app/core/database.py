"""Engine set-up per dialect and the one way ops functions open a write transaction."""

import logging
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event, literal_column, tuple_
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from app.core.extensions import db
from app.core.registry import Registry

_BEGIN_OPTION = "sqlite_begin"


def configure_engine(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # We issue BEGIN ourselves (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Erased and deleted data is overwritten on disk, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN_OPTION, "BEGIN"))


def _sql_literal(value) -> str | None:
    """`value` as an SQL literal both engines read alike, or None to keep it a parameter."""
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None  # booleans, dates...: their literals differ between the engines


def inline_constants(statement):
    """`statement` with the values fixed in the code written into its SQL: the statuses
    of an IN list, a 0 to coalesce with, a separator, a LIMIT: the values SQLAlchemy
    made anonymous parameters of. Named ones (bindparam("client_id")) stay parameters.

    For a statement run on every page: each IN list of values is otherwise expanded into
    the SQL at every execution (SQLAlchemy renders such lists per call), and every
    parameter is converted and sent each time. The text stays the same from call to
    call, so the database plans it once (a prepared statement on PostgreSQL).
    """

    def replace(element):
        if not isinstance(element, BindParameter) or not element.unique or element.callable:
            return None
        if element.expanding:
            values = element.value
            if not isinstance(values, list | tuple) or not values:
                return None
            literals = [_sql_literal(value) for value in values]
            if None in literals:
                return None
            return tuple_(*(literal_column(text, element.type) for text in literals))
        literal = _sql_literal(element.value)
        return None if literal is None else literal_column(literal, element.type)

    return replacement_traverse(statement, {}, replace)


@contextmanager
def write_transaction():
    """One transaction for one user action; commits on success, rolls back on error.

    On SQLite it starts with BEGIN IMMEDIATE: a read-then-write that began as a plain
    read could fail with "database is locked" when another writer got in between;
    taking the write lock first makes it wait (busy_timeout) instead. Any read the
    request already did is ended first, and objects it loaded reload inside this one.
    """
    session = db.session()  # the request's Session itself (the scoped proxy lacks some methods)
    if session.in_transaction():
        session.rollback()
    if db.engine.dialect.name == "postgresql":
        # Reads are autocommit there (see create_app); a write gets a real transaction.
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
    else:
        session.connection(execution_options={_BEGIN_OPTION: "BEGIN IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_SCRUB_TABLES, None)
        session.rollback()
        raise
    _run_after_commit(session)


def postgresql_engine_options(options: dict) -> dict:
    """The engine's options on PostgreSQL.

    Reads run without a transaction: psycopg would otherwise spend a round trip on BEGIN
    and one on ROLLBACK around every page, half of a profile's round trips (a profile
    took about twice as long with them: bench/RESULTS.md, "Speed tricks"). It is safe
    because no read decides a write: every write runs in write_transaction(), a real
    transaction that reads again what it changes, under row locks. A page whose several
    reads straddle a colleague's commit shows two moments a few milliseconds apart, and
    the next refresh one. The migrations open real transactions too. The cursor
    describes each statement's result columns once (app/core/pgcursor.py)."""
    from app.core.pgcursor import DescribedOnceCursor

    return {
        **options,
        "isolation_level": "AUTOCOMMIT",
        "connect_args": {
            **options.get("connect_args", {}),
            "cursor_factory": DescribedOnceCursor,
        },
    }


# --- scrubbing the database files after an erasure ------------------------------------
#
# Every path that erases or deletes personal data calls scrub_after_commit() inside its
# write_transaction(): once the transaction commits, what it removed is removed from the
# database's files too, not only from its tables. erase_client() and delete_note() do.

log = logging.getLogger(__name__)
_AFTER_COMMIT = "after_commit"
_SCRUB_TABLES = "scrub_tables"

# Tables whose rows hold a client's personal data: what an erasure scrubs. A later area
# lists its tables in its manifest (and to ENCRYPTED_TABLES when it stores only ciphertext).
PERSONAL_TABLES = Registry(
    "personal table", {name: name for name in ("clients", "activities", "notes", "alerts")}
)
# Their rows are AES-GCM ciphertext, unreadable without DATA_KEY: on PostgreSQL a plain
# VACUUM (the space is reused) is enough; a rewrite on every deleted note would lock the
# notes table for seconds on a large database.
ENCRYPTED_TABLES = {"notes", "alerts"}

# FTS5 (SQLite 3.40 has no 'secure-delete' option) leaves a deleted row's trigrams in
# the old index segments until they are merged into one. 'optimize' does that in one
# write transaction: measured 0.4 s at 100,000 clients and 4.9 s at 1,000,000 (the
# benchmark's search database), with every writer waiting all that time. A negative 'merge' does
# the same work (all segments into one, deleted entries dropped) in steps of about this
# many pages, each its own short transaction, so a writer waits one step at most:
# 38 ms at 100,000 clients (0.7 s in all), 0.19 s at 1,000,000 (7.6 s in all, which
# the erasing owner waits; erasures are rare).
FTS_MERGE_PAGES = 64
CHECKPOINT_ATTEMPTS = 3
CHECKPOINT_WAIT_MS = 2000
# VACUUM FULL takes an exclusive lock, and every query on the table queues behind it
# while it waits for running ones: it waits this long at most, then falls back to a
# plain VACUUM (logged; `flask scrub` finishes the job).
VACUUM_LOCK_TIMEOUT = "3s"


def after_commit(callback) -> None:
    """Run `callback()` once the current write_transaction() commits (never on rollback)."""
    db.session().info.setdefault(_AFTER_COMMIT, []).append(callback)


def scrub_after_commit(*tables: str) -> None:
    """Once the current write transaction commits, scrub the database files of what it
    removed: `tables` are the tables it changed that held personal data (all of
    PERSONAL_TABLES when none are named). Never fails the caller's action (logged)."""
    info = db.session().info
    pending = info.get(_SCRUB_TABLES)
    if pending is None:
        pending = info[_SCRUB_TABLES] = set()
        after_commit(lambda: scrub_database(sorted(info.pop(_SCRUB_TABLES, pending))))
    pending.update(tables or PERSONAL_TABLES)


def _run_after_commit(session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the data is committed; a failed clean-up must not undo it
            log.exception("after-commit step %s failed", getattr(callback, "__name__", ""))


def scrub_database(tables=None, full: bool | None = None) -> bool:
    """Remove deleted data from the database's files; True when nothing is left behind.

    SQLite: merge the search index (dropping deleted entries), then checkpoint the
    write-ahead log into the database and truncate it (secure_delete=ON has already
    overwritten the freed space). PostgreSQL: VACUUM FULL the tables of plaintext,
    which rewrites them and their indexes (a plain VACUUM leaves dead tuples' bytes in
    the pages' free space, see README, "What an erasure removes"); VACUUM the others.
    `full` False (setting SCRUB_VACUUM_FULL off) leaves the rewrite to `flask scrub`.
    """
    tables = list(tables or PERSONAL_TABLES)
    if full is None:
        full = current_app.config.get("SCRUB_VACUUM_FULL", True)
    engine = db.engine
    try:
        if engine.dialect.name == "sqlite":
            return _scrub_sqlite(engine, merge_index="clients" in tables)
        if engine.dialect.name == "postgresql":
            return _scrub_postgresql(engine, tables, full)
    except Exception:
        log.exception("scrubbing the database files failed; run `flask scrub` to retry")
        return False
    return True


def _scrub_sqlite(engine, merge_index: bool) -> bool:
    raw = engine.raw_connection()
    try:
        sqlite = raw.driver_connection  # autocommit: each statement is its own transaction
        if merge_index:
            # One complete merge takes about the index's size in pages; new writes
            # meanwhile would start another, so stop after twice that.
            pages = sqlite.execute("SELECT count(*) FROM client_search_data").fetchone()[0]
            for _step in range(2 * pages // FTS_MERGE_PAGES + 2):
                before = sqlite.total_changes
                sqlite.execute(
                    "INSERT INTO client_search(client_search, rank) VALUES('merge', ?)",
                    (-FTS_MERGE_PAGES,),
                )
                if sqlite.total_changes - before < 2:  # FTS5's sign that the merge is done
                    break
            else:
                log.warning("the search index merge did not finish; run `flask scrub`")
        sqlite.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for _attempt in range(CHECKPOINT_ATTEMPTS):
                # TRUNCATE waits (busy_timeout) for readers still on the log, copies it
                # into the database and truncates it to zero bytes.
                busy, _frames, _copied = sqlite.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
                if not busy:
                    return True
        finally:
            sqlite.execute("PRAGMA busy_timeout=10000")
        log.warning(
            "the write-ahead log could not be truncated (a reader held it); erased data "
            "stays in it until the next checkpoint: run `flask scrub`"
        )
        return False
    finally:
        raw.close()


def _scrub_postgresql(engine, tables, full: bool) -> bool:
    complete = full
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
        try:
            for table in tables:
                name = connection.dialect.identifier_preparer.quote(table)
                try:
                    # ANALYZE too: the planner's statistics keep sample values (a
                    # histogram of sort_name holds names); a new sample has no erased ones.
                    if full and table not in ENCRYPTED_TABLES:
                        connection.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {name}")
                        continue
                except OperationalError:
                    # Busy for too long: reclaim what a plain VACUUM can now, retry later.
                    log.warning(
                        "VACUUM FULL %s timed out waiting for its lock; run `flask scrub`", table
                    )
                    complete = False
                connection.exec_driver_sql(f"VACUUM (ANALYZE) {name}")
            # The statistics' old rows (the old samples) are dead tuples of pg_statistic;
            # the database owner may rewrite it (PostgreSQL warns and skips it otherwise).
            connection.exec_driver_sql("VACUUM (FULL) pg_statistic")
        finally:
            connection.exec_driver_sql("RESET lock_timeout")  # the connection goes back to the pool
    return complete
