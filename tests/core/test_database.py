"""Engine settings and transactions that do not fail under concurrent writers."""

import threading

import pytest
from sqlalchemy import func, select, text

from app.clients import detail_ops
from app.core.extensions import db
from app.models import Activity, Client


def test_sqlite_pragmas(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        connection = db.session.connection()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_concurrent_read_then_write_transactions_all_succeed(app, staff_factory, client_factory):
    """Two workers, each reading then writing the same client 15 times: no lock errors,
    no lost updates (the version counts every save)."""
    editor = staff_factory(role="front_desk")
    client_id = client_factory(first_name="Busy", city="c0")
    errors = []

    def worker(name):
        try:
            for index in range(15):
                with app.app_context():
                    client = db.session.get(Client, client_id)  # a read first...
                    detail_ops.update_client(
                        client, {"first_name": "Busy", "city": f"{name}{index}"}, editor
                    )
        except Exception as error:  # the test reports whatever broke
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        client = db.session.get(Client, client_id)
        updates = db.session.scalar(
            select(func.count()).where(
                Activity.client_id == client_id, Activity.verb == "client.updated"
            )
        )
    assert updates == 30
    assert client.version == 31


def test_activity_is_written_in_the_same_transaction_as_the_change(
    app, staff_factory, client_factory, monkeypatch
):
    editor = staff_factory()
    client_id = client_factory(first_name="Atomic")

    def broken_record(*args, **kwargs):
        raise RuntimeError("timeline unavailable")

    monkeypatch.setattr(detail_ops, "record", broken_record)
    with app.app_context():
        client = db.session.get(Client, client_id)
        with pytest.raises(RuntimeError):
            detail_ops.update_client(client, {"first_name": "Changed"}, editor)
    with app.app_context():
        assert db.session.get(Client, client_id).first_name == "Atomic"  # rolled back together


def test_database_is_reachable(app):
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_ops_refuse_an_actor_without_the_permission(app, client_factory):
    from app.core.sessions import SignedInStaff

    client_id = client_factory()
    nobody = SignedInStaff(id=999, name="Unknown", email="x@example.com", role="no such role")
    with app.app_context():
        with pytest.raises(PermissionError):
            detail_ops.create_client({"first_name": "X"}, nobody)
        with pytest.raises(PermissionError):
            detail_ops.update_client(db.session.get(Client, client_id), {"first_name": "Y"}, nobody)
