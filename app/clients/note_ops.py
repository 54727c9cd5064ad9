"""Writes to a client's notes: add, edit (NoteConflict when someone saved it since),
pin and delete."""

from sqlalchemy import delete

from app.clients.row_locks import lock_client_of, lock_row
from app.clients.rules import require_notes_allowed
from app.core.database import scrub_after_commit, write_transaction
from app.core.extensions import db
from app.core.timeline import record
from app.models import Client, Note, utcnow


class NoteConflict(Exception):
    """The note was saved by someone else since the editor loaded it."""

    def __init__(self, note: Note):
        super().__init__("the note changed since the form was loaded")
        self.saved_body = note.body
        self.version = note.version


def add_note(client: Client, body: str, actor, pinned: bool = False, at=None) -> Note:
    with write_transaction():
        lock_row(client)
        require_notes_allowed(actor, client)
        now = at or utcnow()
        note = Note(
            client_id=client.id,
            body=body,
            pinned=pinned,
            author_id=actor.id,
            updated_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(note)
        db.session.flush()
        record(client, "note.added", actor, subject=note, at=now)
    return note


def edit_note(note: Note, body: str, actor, expected_version: int | None = None) -> bool:
    with write_transaction():
        client = lock_client_of(note)
        require_notes_allowed(actor, client)
        if expected_version is not None and note.version != expected_version:
            raise NoteConflict(note)
        if note.body == body:
            return False
        note.body = body
        note.updated_at = utcnow()
        note.updated_by_id = actor.id
        # Never the text: the timeline is not encrypted.
        record(client, "note.edited", actor, subject=note)
    return True


def set_note_pinned(note: Note, pinned: bool, actor) -> None:
    with write_transaction():
        client = lock_client_of(note)
        require_notes_allowed(actor, client)
        if note.pinned == pinned:
            return
        note.pinned = pinned
        record(client, "note.pinned" if pinned else "note.unpinned", actor, subject=note)


def delete_note(note: Note, actor) -> None:
    with write_transaction():
        client = lock_client_of(note)
        require_notes_allowed(actor, client)
        record(client, "note.deleted", actor, subject=note)
        db.session.execute(delete(Note).where(Note.id == note.id))
        scrub_after_commit("notes")
