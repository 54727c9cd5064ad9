"""An erasure leaves nothing on disk: every file of the database is read as bytes after
it commits (SQLite: the database, its write-ahead log and shared-memory file;
PostgreSQL: every file of the database's directory)."""

import json
import os

from sqlalchemy import select, text

import app.core.database as database
from app.core.extensions import db
from app.models import Client, Note
from tests.helpers.disk_files import database_files, files_holding
from tests.helpers.erasure import GREEK, MARKER, marked_client, needles


def test_erasure_leaves_no_marker_in_any_database_file(app, owner, client_factory):
    for name in ("Bea", "Cal", "Dee", "Eve", "Fay"):  # enough values for statistics
        client_factory(first_name=name, last_name=f"{name}son")
    client_id = marked_client(app, owner)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:  # statistics that sample the values
                connection.execute(text("ANALYZE clients"))
        before = files_holding(needles(f"Oak{MARKER}{GREEK}"))
    assert MARKER in before and GREEK in before  # the test can see what it looks for

    confirmation = f"Ann{MARKER}2 Oak{MARKER}{GREEK}"
    erased = owner.post(f"/clients/{client_id}/erase", {"confirmation": confirmation})
    assert erased.status_code == 303

    with app.app_context():
        assert files_holding(needles(f"Oak{MARKER}{GREEK}")) == {}
        if db.engine.dialect.name == "sqlite":
            assert os.path.getsize(database_files()[1]) == 0  # the log was truncated
    page = owner.get(f"/clients/{client_id}").text
    assert '<h1 id="client-name">Deleted Client</h1>' in page


def test_erasure_goes_to_the_ledger_without_personal_data(app, owner):
    client_id = marked_client(app, owner)
    with app.app_context():
        created_at = db.session.get(Client, client_id).created_at
    owner.post(f"/clients/{client_id}/erase", {"confirmation": f"Ann{MARKER}2 Oak{MARKER}{GREEK}"})
    with open(app.config["ERASURE_LEDGER"], encoding="utf-8") as file:
        lines = file.read().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["client_id"] == client_id
    assert entry["created_at"] == created_at.isoformat()
    assert set(entry) == {"client_id", "created_at", "erased_at"}
    assert MARKER.lower() not in lines[0].lower() and "A***" not in lines[0]
    assert os.stat(app.config["ERASURE_LEDGER"]).st_mode & 0o077 == 0


def _notes_vacuumed(connection) -> int:
    return connection.execute(
        text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'notes'")
    ).scalar_one()


def test_deleting_a_note_scrubs_the_files(app, owner, client_factory):
    """A note's body is encrypted, so its bytes are not looked for: the write-ahead log
    is truncated (SQLite), the notes table vacuumed (PostgreSQL: its dead rows are
    ciphertext; a rewrite per deleted note would lock the table on a large database)."""
    client_id = client_factory(first_name="Noted")
    owner.post(f"/clients/{client_id}/notes/new", {"body": "To be deleted"})
    with app.app_context():
        note_id = db.session.scalar(select(Note.id).where(Note.client_id == client_id))
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:
            assert os.path.getsize(database_files()[1]) > 0
        else:
            with db.engine.connect() as connection:
                before = _notes_vacuumed(connection)
    response = owner.post(f"/clients/{client_id}/notes/{note_id}/delete")
    assert response.status_code in (200, 303)
    with app.app_context():
        assert db.session.get(Note, note_id) is None
        if sqlite:
            assert os.path.getsize(database_files()[1]) == 0
        else:
            with db.engine.connect() as connection:
                assert _notes_vacuumed(connection) == before + 1


def test_a_reader_in_the_way_does_not_fail_the_erasure(
    app, owner, client_factory, monkeypatch, caplog
):
    """A long read keeps the scrub from finishing (SQLite: the log cannot be truncated;
    PostgreSQL: VACUUM FULL cannot take its lock): the erasure still succeeds, the
    scrub says it is incomplete (and logs it), and `flask scrub` finishes the job."""
    client_id = client_factory(first_name="Held", last_name=f"Open{MARKER}")
    monkeypatch.setattr(database, "CHECKPOINT_WAIT_MS", 50)
    monkeypatch.setattr(database, "VACUUM_LOCK_TIMEOUT", "100ms")
    monkeypatch.setattr(database.log, "disabled", False)  # the test migrations' logging set-up
    with app.app_context():
        reader = db.engine.connect()
        if db.engine.dialect.name == "postgresql":  # reads are autocommit there
            reader = reader.execution_options(isolation_level="READ COMMITTED")
        transaction = reader.begin()
        reader.execute(text("SELECT count(*) FROM clients")).scalar_one()
        try:
            erased = owner.post(
                f"/clients/{client_id}/erase", {"confirmation": f"Held Open{MARKER}"}
            )
            assert erased.status_code == 303
            assert "run `flask scrub`" in caplog.text  # said, not raised
            assert database.scrub_database() is False
        finally:
            transaction.rollback()
            reader.close()
    result = app.test_cli_runner().invoke(args=["scrub"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert files_holding([MARKER]) == {}
        if db.engine.dialect.name == "sqlite":
            assert os.path.getsize(database_files()[1]) == 0
