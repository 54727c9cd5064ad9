"""Notes: several per client, edit in place, pin, delete; encrypted at rest."""

import re

import pytest
from sqlalchemy import select, text

from app import ConfigurationError
from app.clients import note_ops
from app.core.extensions import db
from app.models import Activity, Client, Note


def notes_of(app, client_id):
    with app.app_context():
        return db.session.scalars(
            select(Note).where(Note.client_id == client_id).order_by(Note.id)
        ).all()


def test_add_edit_pin_and_delete_a_note(app, owner, client_factory):
    client_id = client_factory()
    form = owner.get(f"/clients/{client_id}/notes/new", hx=True)
    assert form.status_code == 200 and 'name="body"' in form.text

    added = owner.post(
        f"/clients/{client_id}/notes/new", {"body": "Prefers the quiet room\nNo lavender"}, hx=True
    )
    assert added.status_code == 200
    assert "Prefers the quiet room" in added.text and "Olivia Owner" in added.text
    (note,) = notes_of(app, client_id)

    edit_page = owner.get(f"/clients/{client_id}/notes/{note.id}/edit", hx=True)
    assert "Prefers the quiet room" in edit_page.text
    edited = owner.post(
        f"/clients/{client_id}/notes/{note.id}/edit",
        {f"note-{note.id}-body": "Prefers the garden room", f"note-{note.id}-version": "1"},
        hx=True,
    )
    assert edited.status_code == 200 and "Prefers the garden room" in edited.text

    owner.post(f"/clients/{client_id}/notes/new", {"body": "Second note"}, hx=True)
    pinned = owner.post(f"/clients/{client_id}/notes/{note.id}/pin", {"pinned": "1"}, hx=True)
    page = pinned.text
    assert page.index("Prefers the garden room") < page.index("Second note")
    assert "Pinned" in page

    deleted = owner.post(f"/clients/{client_id}/notes/{note.id}/delete", hx=True)
    assert deleted.status_code == 200 and "Prefers the garden room" not in deleted.text
    assert [n.body for n in notes_of(app, client_id)] == ["Second note"]

    with app.app_context():
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
        ).all()
        changes = db.session.scalars(
            select(Activity.changes).where(Activity.verb.like("note.%"))
        ).all()
    assert verbs[1:] == ["note.added", "note.edited", "note.added", "note.pinned", "note.deleted"]
    assert changes == [None] * 5  # the timeline never quotes a note


def test_timeline_says_note_added_without_its_text(owner, client_factory, app):
    client_id = client_factory()
    owner.post(f"/clients/{client_id}/notes/new", {"body": "Secret knee injury"}, hx=True)
    timeline = owner.get(f"/clients/{client_id}/activity/timeline").text
    assert "Note added" in timeline and "by Olivia Owner" in timeline
    assert "Secret knee injury" not in timeline


def test_bad_note_keeps_what_was_typed(owner, client_factory):
    client_id = client_factory()
    empty = owner.post(f"/clients/{client_id}/notes/new", {"body": "   "}, hx=True)
    assert empty.status_code == 422 and "Write something in the note." in empty.text
    long_body = "x" * 5001
    too_long = owner.post(f"/clients/{client_id}/notes/new", {"body": long_body}, hx=True)
    assert too_long.status_code == 422 and "at most 5,000 characters" in too_long.text
    assert long_body in too_long.text
    control = owner.post(f"/clients/{client_id}/notes/new", {"body": "bell\x07"}, hx=True)
    assert control.status_code == 422 and "control characters" in control.text


def test_stale_note_edit_answers_409_with_both_texts(app, owner, login, client_factory):
    client_id = client_factory()
    owner.post(f"/clients/{client_id}/notes/new", {"body": "Original"}, hx=True)
    (note,) = notes_of(app, client_id)
    other = login("manager", name="Mina Manager")
    other.post(
        f"/clients/{client_id}/notes/{note.id}/edit",
        {f"note-{note.id}-body": "Theirs", f"note-{note.id}-version": "1"},
    )
    stale = owner.post(
        f"/clients/{client_id}/notes/{note.id}/edit",
        {f"note-{note.id}-body": "Mine", f"note-{note.id}-version": "1"},
        hx=True,
    )
    assert stale.status_code == 409
    assert "Mina Manager changed this note" in stale.text
    assert "Theirs" in stale.text and "Mine" in stale.text
    assert notes_of(app, client_id)[0].body == "Theirs"
    again = owner.post(
        f"/clients/{client_id}/notes/{note.id}/edit",
        {f"note-{note.id}-body": "Mine", f"note-{note.id}-version": "2"},
        hx=True,
    )
    assert again.status_code == 200 and notes_of(app, client_id)[0].body == "Mine"


def test_unknown_or_foreign_note_is_404(owner, client_factory, app):
    first, second = client_factory(), client_factory(first_name="Bea")
    owner.post(f"/clients/{first}/notes/new", {"body": "About the first"})
    (note,) = notes_of(app, first)
    assert owner.get(f"/clients/{second}/notes/{note.id}/edit").status_code == 404
    assert owner.post(f"/clients/{second}/notes/{note.id}/delete").status_code == 404
    assert owner.get(f"/clients/{first}/notes/99999/edit").status_code == 404


def test_note_text_is_not_in_the_raw_database(app, owner, client_factory):
    client_id = client_factory()
    marker = "Zebracorn-allergy-7731"
    owner.post(f"/clients/{client_id}/notes/new", {"body": marker})
    with app.app_context():
        raw = db.session.execute(text("SELECT body FROM notes")).scalar_one()
        assert marker not in raw
        url = db.engine.url
    assert notes_of(app, client_id)[0].body == marker
    if url.get_backend_name() == "sqlite":
        with app.app_context():
            db.session.execute(text("PRAGMA wal_checkpoint(FULL)"))
        with open(url.database, "rb") as file:
            data = file.read()
        assert marker.encode() not in data
        assert marker.encode("utf-16-le") not in data


def test_app_refuses_to_start_with_a_key_that_cannot_decrypt(make_app, owner, client_factory):
    client_id = client_factory()
    owner.post(f"/clients/{client_id}/notes/new", {"body": "Kept safe"})
    with pytest.raises(ConfigurationError, match="DATA_KEY cannot decrypt"):
        make_app(DATA_KEY="another-key-entirely")


def test_notes_page_older_notes(app, owner, client_factory, staff_factory):
    client_id = client_factory()
    author = staff_factory(role="front_desk", name="Fay Desk")
    with app.app_context():
        client = db.session.get(Client, client_id)
        for number in range(14):
            note_ops.add_note(client, f"Note number {number:02d}", author)
    first = owner.get(f"/clients/{client_id}").text
    assert "Note number 13" in first and "Note number 04" in first
    assert "Note number 03" not in first and "Older notes" in first
    older = re.search(r'hx-get="(/clients/\d+/notes\?before=[^"]+)"', first).group(1)
    page = owner.get(older.replace("&amp;", "&"), hx=True).text
    assert "Note number 03" in page and "Note number 00" in page and "Note number 04" not in page
