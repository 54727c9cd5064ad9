"""Read a database's files as bytes, the way someone holding the disk (or a file backup
of it) would, not through SQL."""

from pathlib import Path

from sqlalchemy import text

from app.core.extensions import db


def database_files() -> list[Path]:
    """Every file of the app's database (call inside an app context).

    SQLite: the database, its write-ahead log and its shared-memory index. PostgreSQL:
    every file under the database's directory (tables, indexes, TOAST, free-space and
    visibility maps), after a CHECKPOINT writes the shared buffers out to them.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
        data_directory = connection.execute(text("SHOW data_directory")).scalar_one()
        oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    return sorted(path for path in (Path(data_directory) / "base" / str(oid)).iterdir())


def files_holding(needles: list[str]) -> dict[str, list[str]]:
    """needle -> the database files whose bytes hold it, in UTF-8 or lower-cased."""
    found = {}
    contents = {path.name: path.read_bytes() for path in database_files() if path.is_file()}
    for needle in needles:
        forms = {needle.encode(), needle.lower().encode(), needle.casefold().encode()}
        holders = [
            name
            for name, data in contents.items()
            if any(form in data or form in data.lower() for form in forms)
        ]
        if holders:
            found[needle] = holders
    return found
