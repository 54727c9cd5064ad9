"""Editing, pinning or deleting a note a colleague has just deleted: the profile as it is
now, saying so (409, which htmx swaps), never a 500 — whether the note was gone before
the request came in or went while the write waited for the client's lock. Labels
renamed or deleted at the moment a colleague deletes them: the same."""

import random
import threading

import pytest
from sqlalchemy import delete, func, select

from app.clients import label_ops, note_ops, note_queries, row_locks, settings_routes
from app.core.extensions import db
from app.models import Activity, Client, Label, Note
from tests.helpers.live_server import gunicorn_server, sign_in_over_http

MESSAGE = "This note was deleted by someone else meanwhile."


def add_notes(app, client_id, actor, count=1) -> list[int]:
    with app.app_context():
        client = db.session.get(Client, client_id)
        return [note_ops.add_note(client, f"Note {n}", actor).id for n in range(count)]


def actions(client_id, note_id):
    """Each write on a note, as the profile's buttons and forms post it."""
    base = f"/clients/{client_id}/notes/{note_id}"
    prefix = f"note-{note_id}"
    return [
        ("edit", f"{base}/edit", {f"{prefix}-body": "Mine", f"{prefix}-version": "1"}),
        ("pin", f"{base}/pin", {"pinned": "1"}),
        ("delete", f"{base}/delete", {}),
    ]


def test_writes_on_a_note_deleted_since_the_page_loaded(app, owner, login, client_factory):
    client_id = client_factory()
    (note_id,) = add_notes(app, client_id, owner.staff)
    assert "Note 0" in owner.get(f"/clients/{client_id}").text  # the page is loaded
    colleague = login("front_desk", name="Fay Desk")
    assert colleague.post(f"/clients/{client_id}/notes/{note_id}/delete").status_code == 303

    for _what, url, data in actions(client_id, note_id):
        for hx in (True, False):
            response = owner.post(url, data, hx=hx)
            assert response.status_code == 409
            assert MESSAGE in response.text
            assert 'id="profile-tab"' in response.text  # the Overview, as it is now
            assert "Note 0" not in response.text
    opened = owner.get(f"/clients/{client_id}/notes/{note_id}/edit", hx=True)
    assert opened.status_code == 409 and MESSAGE in opened.text

    with app.app_context():
        deleted = select(func.count()).where(Activity.verb == "note.deleted")
        assert db.session.scalar(deleted) == 1  # nothing was recorded twice

    # A note this client never had is still unknown here: 404.
    other = client_factory(first_name="Bea")
    assert owner.post(f"/clients/{other}/notes/{note_id}/pin", {"pinned": "1"}).status_code == 404
    assert owner.post(f"/clients/{client_id}/notes/424242/delete").status_code == 404


@pytest.mark.parametrize("what", ["edit", "pin", "delete"])
def test_note_deleted_while_the_write_waits(app, owner, client_factory, monkeypatch, what):
    """The route found the note; a colleague's delete commits before this write takes
    the client's lock."""
    client_id = client_factory()
    (note_id,) = add_notes(app, client_id, owner.staff)
    found_note = note_queries.note

    def note_then_deleted(client_id, note_id):
        found = found_note(client_id, note_id)
        with db.engine.begin() as other_connection:  # the colleague, on their own connection
            other_connection.execute(delete(Note).where(Note.id == note_id))
        return found

    monkeypatch.setattr(note_queries, "note", note_then_deleted)
    (_, url, data), *_ = [action for action in actions(client_id, note_id) if action[0] == what]
    response = owner.post(url, data, hx=True)
    assert response.status_code == 409 and MESSAGE in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Note)) == 0
        verbs = db.session.scalars(select(Activity.verb).where(Activity.verb.like("note.%")))
        assert list(verbs) == ["note.added"]  # the write recorded nothing


def test_ops_raise_deleted_meanwhile(app, owner, client_factory):
    client_id = client_factory()
    note_ids = add_notes(app, client_id, owner.staff, count=3)
    writes = [
        lambda note: note_ops.edit_note(note, "Changed", owner.staff, expected_version=1),
        lambda note: note_ops.set_note_pinned(note, True, owner.staff),
        lambda note: note_ops.delete_note(note, owner.staff),
    ]
    with app.app_context():
        for note_id, write in zip(note_ids, writes, strict=True):
            note = note_queries.note(client_id, note_id).Note  # loaded, as a route does
            with db.engine.begin() as other_connection:
                other_connection.execute(delete(Note).where(Note.id == note_id))
            with pytest.raises(row_locks.DeletedMeanwhile, match="note was deleted meanwhile"):
                write(note)


@pytest.mark.parametrize("what", ["edit", "delete"])
def test_label_deleted_while_the_write_waits(app, owner, monkeypatch, what):
    with app.app_context():
        label_id = label_ops.create_label("Newsletter", "teal", owner.staff).id
        kept_id = label_ops.create_label("VIP", "red", owner.staff).id
    found_label = settings_routes._label_or_404

    def label_then_deleted(label_id):
        found = found_label(label_id)
        with db.engine.begin() as other_connection:
            other_connection.execute(delete(Label).where(Label.id == label_id))
        return found

    monkeypatch.setattr(settings_routes, "_label_or_404", label_then_deleted)
    data = {f"label-{label_id}-name": "Renamed", f"label-{label_id}-colour": "blue"}
    response = owner.post(
        f"/settings/labels/{label_id}/{what}", data if what == "edit" else {}, hx=True
    )
    assert response.status_code == 409
    assert "This label was deleted by someone else meanwhile." in response.text
    assert "VIP" in response.text and "Renamed" not in response.text
    with app.app_context():
        assert db.session.scalars(select(Label.id)).all() == [kept_id]


NOTES = 6
STAFF = 6


def test_colleagues_editing_pinning_and_deleting_the_same_notes_at_once(
    app, staff_factory, client_factory, database_url, tmp_path
):
    owner = staff_factory(role="owner")
    staff = [staff_factory(role=("front_desk", "manager")[n % 2]) for n in range(STAFF)]
    client_id = client_factory(first_name="Busy", last_name="Notes")
    note_ids = add_notes(app, client_id, owner, count=NOTES)
    statuses, problems, lock = [], [], threading.Lock()
    error_log = tmp_path / "error.log"

    with gunicorn_server(database_url, workers=2, error_log=error_log) as base_url:
        sessions = [sign_in_over_http(base_url, member.email) for member in staff]
        barrier = threading.Barrier(STAFF)

        def colleague(index: int) -> None:
            http = sessions[index]
            plan = [action for note_id in note_ids for action in actions(client_id, note_id)]
            random.Random(index).shuffle(plan)
            barrier.wait()
            for what, url, data in plan:
                response = http.post(url, data=data, headers={"HX-Request": "true"})
                with lock:
                    statuses.append(response.status_code)
                    # 409: deleted meanwhile, or (edit) changed since version 1.
                    if response.status_code not in (200, 409):
                        problems.append(f"{what} {url}: {response.status_code}")

        threads = [threading.Thread(target=colleague, args=(n,)) for n in range(STAFF)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)

    assert len(statuses) == STAFF * NOTES * 3
    assert problems == []
    assert "Traceback" not in error_log.read_text()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Note)) == 0
        deleted = select(func.count()).where(Activity.verb == "note.deleted")
        assert db.session.scalar(deleted) == NOTES  # each deleted once, by one colleague
