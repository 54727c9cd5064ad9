"""Engine set-up per dialect and the one way ops functions open a write transaction."""

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db

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
        session.rollback()
        raise
