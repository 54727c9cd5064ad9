"""`flask backup PATH` and `flask restore PATH`: a consistent copy of the live database,
and its restore into an empty database followed by the erasure ledger.

SQLite: the online backup API copies every page under one read transaction, a
consistent snapshot while the app keeps writing (a file copy of a database in WAL mode
may miss or tear what sits in the log). PostgreSQL: pg_dump (custom format) and
pg_restore, found on PATH or in PG_BIN.
"""

import glob
import logging
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from app.core import erasure_ledger
from app.core.database import scrub_database
from app.core.extensions import db
from app.models import Base


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass
class RestoreReport:
    counts: dict[str, int]
    reapplied: int = 0
    skipped: list[int] = field(default_factory=list)  # ledger ids naming another client


def table_names() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def row_counts(connection) -> dict[str, int]:
    """Rows per application table that exists (an older backup may lack newer ones)."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
        if table.name in present
    }


def _create_private(path: Path) -> None:
    if path.exists():
        raise BackupError(f"{path} already exists; give the backup a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def backup(path) -> dict[str, int]:
    """Write a backup of the configured database to `path` (a new file, mode 0600) and
    return the rows per table it holds. Also brings the erasure ledger up to date."""
    path = Path(path)
    with db.engine.connect() as connection:
        if "clients" not in inspect(connection).get_table_names():
            raise BackupError(
                "The database has no Clientele tables to back up (is DATABASE_URL right?)."
            )
    erasure_ledger.sync_from_database()
    _create_private(path)
    try:
        if db.engine.dialect.name == "sqlite":
            return _backup_sqlite(path)
        return _backup_postgresql(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _sqlite_file(must_exist: bool = False) -> str:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("The configured SQLite database is not a file.")
    if must_exist and not Path(database).is_file():
        raise BackupError(f"There is no database at {database}.")
    return database


def _read_only(path) -> sqlite3.Connection:
    # A URI (percent-encoded, so any file name works) that never creates a missing file.
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=10)


def _backup_sqlite(path: Path) -> dict[str, int]:
    with (
        closing(_read_only(_sqlite_file(must_exist=True))) as source,
        closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)  # all pages in one step: one read transaction, one snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    with closing(_read_only(path)) as copy:
        return _sqlite_counts(copy)


def _sqlite_counts(connection) -> dict[str, int]:
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    return {
        # Names from our own metadata, not from input.
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in table_names()
        if name in present
    }


def pg_program(name: str) -> str:
    """pg_dump / pg_restore: PG_BIN, else PATH, else the newest Debian install."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(os.path.join(os.environ["PG_BIN"], name))
    candidates.append(shutil.which(name))
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} was not found: install PostgreSQL's client programs or set PG_BIN.")


def _libpq(url) -> tuple[str, dict]:
    """The database URL as libpq reads it; the password goes in the environment, not
    on a command line other users can see."""
    url = make_url(url).set(drivername="postgresql")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    return url.set(password=None).render_as_string(hide_password=False), environment


def _run(arguments: list[str], environment: dict) -> None:
    finished = subprocess.run(  # noqa: S603 (our program and arguments, no shell)
        arguments, env=environment, capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise BackupError(
            f"{Path(arguments[0]).name} failed: {finished.stderr.strip() or finished.returncode}"
        )


def _backup_postgresql(path: Path) -> dict[str, int]:
    dsn, environment = _libpq(db.engine.url)
    # The counts and the dump read the same snapshot, so the counts are the backup's.
    engine = db.engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as connection, connection.begin():
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts = row_counts(connection)
        _run(
            [
                pg_program("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={path}",
                f"--dbname={dsn}",
            ],
            environment,
        )
    return counts


def _refuse_unless_empty() -> None:
    with db.engine.connect() as connection:
        counts = row_counts(connection)
    filled = {name: count for name, count in counts.items() if count}
    if filled:
        held = ", ".join(f"{count} {name}" for name, count in sorted(filled.items()))
        raise BackupError(
            f"The target database is not empty ({held}). Restore only into an empty "
            "database: point DATABASE_URL at a new one."
        )


def restore(path) -> RestoreReport:
    """Load a backup into the configured database, which must hold no data; bring its
    schema up to date; erase again every client the ledger says was erased; scrub."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a backup file.")
    _refuse_unless_empty()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old schema or file open
    if db.engine.dialect.name == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_postgresql(path)
    db.engine.dispose()

    _upgrade()  # a backup from an older release gets today's schema
    report = reapply_ledger()
    scrub_database()
    with db.engine.connect() as connection:
        report.counts = row_counts(connection)
    return report


def _upgrade() -> None:
    """Migrate, keeping the app's loggers: Alembic's logging set-up disables every logger
    that exists (the scrub's warnings after the restore would go unsaid)."""
    from flask_migrate import upgrade

    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = [logger.disabled for logger in loggers]
    upgrade()
    for logger, was_disabled in zip(loggers, disabled, strict=True):
        logger.disabled = was_disabled


def _restore_sqlite(path: Path) -> None:
    try:
        source = _read_only(path)
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an SQLite backup: {error}") from error
    with closing(source), closing(sqlite3.connect(_sqlite_file(), timeout=10)) as target:
        if not {"clients", "alembic_version"} <= tables:
            raise BackupError(f"{path} is not a backup of this application.")
        source.backup(target)


def _restore_postgresql(path: Path) -> None:
    dsn, environment = _libpq(db.engine.url)
    # --clean drops what an empty but migrated target already has; one transaction,
    # so a failed restore leaves the target as it was.
    _run(
        [
            pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={dsn}",
            str(path),
        ],
        environment,
    )


def reapply_ledger() -> RestoreReport:
    """Erase again each client the ledger lists whose id and creation time match a
    client of the database who is not erased: the backup predates their erasure."""
    from app.clients.api import reapply_erasure
    from app.models import Client

    report = RestoreReport(counts={})
    seen = set()
    for entry in erasure_ledger.read():
        key = (entry["client_id"], entry["created_at"])
        if key in seen:
            continue
        seen.add(key)
        client = db.session.get(Client, entry["client_id"])
        if client is None or client.is_erased:
            continue
        if client.created_at != entry["created_at"]:
            report.skipped.append(entry["client_id"])  # the id now names someone else
            continue
        if reapply_erasure(client) is not None:
            report.reapplied += 1
    db.session.remove()
    return report
