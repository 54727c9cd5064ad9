"""Reads for a client's notes: the Overview's pages of notes (pinned first, then the
newest), one note, and whether the timeline records that a note was deleted."""

from sqlalchemy import bindparam, or_, select, tuple_
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.models import Activity, Note, StaffMember

NoteAuthor = aliased(StaffMember)
NoteEditor = aliased(StaffMember)


def _notes_select():
    return (
        select(Note, NoteAuthor.name.label("author"), NoteEditor.name.label("editor"))
        .outerjoin(NoteAuthor, NoteAuthor.id == Note.author_id)
        .outerjoin(NoteEditor, NoteEditor.id == Note.updated_by_id)
    )


def _notes_statement(after_cursor: bool):
    others = select(Note.id).where(Note.client_id == bindparam("client_id"), Note.pinned.is_(False))
    if after_cursor:
        others = others.where(
            tuple_(Note.created_at, Note.id)
            < tuple_(bindparam("moment", type_=Note.created_at.type), bindparam("note_id"))
        )
    others = others.order_by(Note.created_at.desc(), Note.id.desc()).limit(bindparam("limit"))
    shown = Note.id.in_(others)
    if not after_cursor:
        shown = or_(Note.pinned.is_(True), shown)
    return (
        _notes_select()
        .where(Note.client_id == bindparam("client_id"), shown)
        .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc())
    )


# Built once, like _PROFILE: building this statement cost more than running it.
_NOTES_FIRST_PAGE = _notes_statement(after_cursor=False)
_NOTES_AFTER_CURSOR = _notes_statement(after_cursor=True)


def profile_notes(row, limit: int) -> Page:
    """The Overview's first page of notes for a profile row (no query when it has none)."""
    if not row.has_notes:
        return Page(rows=[], next_cursor=None)
    return notes_page(row.Client.id, limit=limit)


def notes_page(client_id: int, before: str | None = None, limit: int = 10) -> Page:
    """The Overview's notes: every pinned note, then the newest others keyset-paged
    on (created_at, id); one query. With `before`, only the next page of others."""
    parameters = {"client_id": client_id, "limit": limit + 1}
    statement = _NOTES_FIRST_PAGE
    if before:
        parameters["moment"], parameters["note_id"] = decode_cursor(before)
        statement = _NOTES_AFTER_CURSOR
    rows = db.session.execute(statement, parameters).all()
    unpinned = [row for row in rows if not row.Note.pinned]
    next_cursor = None
    if len(unpinned) > limit:
        last = unpinned[limit - 1].Note
        next_cursor = encode_cursor(last.created_at, last.id)
        rows.remove(unpinned[limit])
    return Page(rows=rows, next_cursor=next_cursor)


def note(client_id: int, note_id: int):
    """One note of the client with its author's and editor's names, or None."""
    return db.session.execute(
        _notes_select().where(Note.id == note_id, Note.client_id == client_id)
    ).first()


def note_was_deleted(client_id: int, note_id: int) -> bool:
    """Whether the client's timeline records deleting this note: a request naming it
    comes from a page loaded before that (asked only when the note is not found)."""
    deleted = select(Activity.id).where(
        Activity.client_id == client_id,
        Activity.verb == "note.deleted",
        Activity.subject_type == "Note",
        Activity.subject_id == note_id,
    )
    return db.session.scalar(deleted.limit(1)) is not None
