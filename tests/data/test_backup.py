"""The backup drill: back up while clients are written, restore into a fresh database,
compare; a client erased after the backup stays erased in the restored database."""

import json
import logging
import os
import re
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.clients import detail_ops
from app.core.extensions import db
from app.models import Activity, Base, Client
from tests.conftest import POSTGRES_URL
from tests.helpers.disk_files import files_holding
from tests.helpers.erasure import GREEK, MARKER, marked_client, needles


@pytest.fixture
def fresh_database(tmp_path):
    """fresh_database() -> the URL of a new, empty database (a new SQLite file, or a new
    database on the test PostgreSQL server), dropped afterwards."""
    created = []

    def make():
        name = f"restore_{uuid.uuid4().hex[:12]}"
        if not POSTGRES_URL:
            return f"sqlite:///{tmp_path / name}.db"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    if created:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(output: str) -> dict[str, int]:
    return {name: int(count) for name, count in re.findall(r"^  (\w+): (\d+)$", output, re.M)}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_backup_while_writing_then_restore_into_a_fresh_database(
    app, make_app, owner, client_factory, fresh_database, tmp_path
):
    for number in range(20):
        client_factory(first_name=f"Seed{number}")
    stop = threading.Event()
    written = threading.Semaphore(0)
    errors = []

    def writer(index):
        try:
            with app.app_context():
                number = 0
                while not stop.is_set():
                    client = detail_ops.create_client(
                        {"first_name": f"Load{index}x{number}"}, owner.staff
                    )
                    detail_ops.update_client(client, {"city": f"Town{number}"}, owner.staff)
                    number += 1
                    written.release()
        except Exception as error:  # reported by the main thread
            errors.append(error)
            written.release()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(10):  # the writers are under way before the backup starts
            written.acquire(timeout=30)
        path = tmp_path / "clientele.backup"
        backed_up = _cli(app, "backup", str(path))
        for _ in range(10):  # and they kept writing while (and after) it ran
            written.acquire(timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert backed_up.exit_code == 0, backed_up.output
    assert os.stat(path).st_mode & 0o777 == 0o600
    in_backup = _counts(backed_up.output)
    assert in_backup["clients"] >= 20 + 10 and in_backup["activities"] >= in_backup["clients"]

    with app.app_context():
        live = db.session.scalar(select(db.func.count()).select_from(Client))
    assert live > in_backup["clients"]  # written after the backup: not in it

    restored_app = make_app(SQLALCHEMY_DATABASE_URI=fresh_database())
    restored = _cli(restored_app, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert _counts(restored.output) == in_backup
    with restored_app.app_context(), db.engine.connect() as connection:
        for table, count in in_backup.items():
            declared = Base.metadata.tables[table]  # reflection cannot read expression indexes
            assert connection.scalar(select(func.count()).select_from(declared)) == count
    assert re.search(r"Erasures re-applied from .*: 0$", restored.output, re.M)


def test_a_client_erased_after_the_backup_is_erased_again_on_restore(
    app, make_app, owner, client_factory, fresh_database, tmp_path
):
    kept_id = client_factory(first_name="Kept", last_name="Client")
    client_id = marked_client(app, owner)
    path = tmp_path / "before-erasure.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    erased = owner.post(
        f"/clients/{client_id}/erase", {"confirmation": f"Ann{MARKER}2 Oak{MARKER}{GREEK}"}
    )
    assert erased.status_code == 303

    restored_app = make_app(SQLALCHEMY_DATABASE_URI=fresh_database())
    restored = _cli(restored_app, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert re.search(r"Erasures re-applied from .*: 1$", restored.output, re.M)
    with restored_app.app_context():
        client = db.session.get(Client, client_id)
        assert (client.first_name, client.last_name) == ("Deleted", "Client")
        assert client.erased_at is not None and client.email is None
        assert db.session.get(Client, kept_id).first_name == "Kept"
        erasures = db.session.scalars(
            select(Activity)
            .where(Activity.client_id == client_id, Activity.verb == "client.erased")
            .order_by(Activity.id)
        ).all()
        assert erasures[-1].actor_type == "system"
        assert files_holding(needles(f"Oak{MARKER}{GREEK}")) == {}


def test_restore_refuses_a_database_that_holds_data(app, client_factory, tmp_path):
    client_factory()
    path = tmp_path / "one.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    refused = _cli(app, "restore", str(path))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "1 clients" in refused.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Client)) == 1


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    path = tmp_path / "taken.backup"
    path.write_text("something else")
    refused = _cli(app, "backup", str(path))
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert path.read_text() == "something else"


def test_the_ledger_skips_an_id_that_names_another_client(
    app, make_app, client_factory, fresh_database, tmp_path
):
    client_id = client_factory(first_name="Reused", last_name="Id")
    path = tmp_path / "reused.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    with app.app_context():
        created_at = db.session.get(Client, client_id).created_at
    # An erasure of an earlier client who had the same id (created at another time).
    with open(app.config["ERASURE_LEDGER"], "a", encoding="utf-8") as ledger:
        entry = {
            "client_id": client_id,
            "created_at": created_at.replace(year=created_at.year - 1).isoformat(),
            "erased_at": created_at.isoformat(),
        }
        ledger.write(json.dumps(entry) + "\n")

    restored_app = make_app(SQLALCHEMY_DATABASE_URI=fresh_database())
    restored = _cli(restored_app, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "re-applied" in restored.output and "another client: 1" in restored.output
    with restored_app.app_context():
        client = db.session.get(Client, client_id)
        assert client.first_name == "Reused" and client.erased_at is None


def test_backup_adds_erasures_missing_from_the_ledger(app, owner, client_factory, tmp_path):
    client_id = client_factory(first_name="Lost", last_name="Line")
    assert (
        owner.post(f"/clients/{client_id}/erase", {"confirmation": "Lost Line"}).status_code == 303
    )
    ledger = app.config["ERASURE_LEDGER"]
    os.remove(ledger)  # the append failed, or the file was lost
    assert _cli(app, "backup", str(tmp_path / "b.backup")).exit_code == 0
    with open(ledger, encoding="utf-8") as file:
        entries = [json.loads(line) for line in file]
    assert [entry["client_id"] for entry in entries] == [client_id]


def test_restore_into_a_migrated_empty_database(
    app, make_app, client_factory, fresh_database, tmp_path, monkeypatch
):
    client_factory(first_name="Migrated")
    path = tmp_path / "m.backup"
    backed_up = _cli(app, "backup", str(path))
    assert backed_up.exit_code == 0, backed_up.output
    restored_app = make_app(SQLALCHEMY_DATABASE_URI=fresh_database())
    assert _cli(restored_app, "db", "upgrade").exit_code == 0  # schema, no rows: empty
    scrub_log = logging.getLogger("app.core.database")
    monkeypatch.setattr(scrub_log, "disabled", False)
    restored = _cli(restored_app, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert not scrub_log.disabled  # the migration inside restore left the app's logging alone
    assert _counts(restored.output) == _counts(backed_up.output)
    assert "there is no erasure ledger" in restored.output  # nobody was erased yet: said
    with restored_app.app_context():
        assert db.session.scalar(select(Client.first_name)) == "Migrated"
