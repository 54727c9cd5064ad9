"""Writing one batch of an import's rows, in a transaction of its own (the import's job,
in ops.py, reads and checks the whole file, then hands it over BATCH rows at a time):
the rows planned again against the clients as they are now, the new clients inserted,
the matched ones updated, their notes and labels, "Imported" on every timeline, what a
revert needs kept, and the batch's counts added to the import's."""

import json
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.core.timeline import record, record_for_many
from app.data.imports import ImportSettings
from app.data.imports.rows import Planner, client_room, find_matches
from app.models import (
    EDITABLE_FIELDS,
    Client,
    ClientImport,
    ImportedClient,
    Note,
    client_labels,
    utcnow,
)
from app.models.client import derived_columns


@dataclass
class ImportRun:
    """What one batch needs to know about the whole import."""

    import_id: int
    filename: str
    settings: ImportSettings
    actor: SignedInStaff
    label_ids: list[int]
    failed: list = field(default_factory=list)


def write_batch(run: ImportRun, rows) -> dict:
    settings, actor = run.settings, run.actor
    with write_transaction():
        matches = find_matches(settings.match_key, (row.key for row in rows))
        planner = Planner(settings.match_key, settings.on_match, actor, matches, client_room())
        planned = [planner.plan(row) for row in rows]
        now = utcnow()
        created = [row for row in planned if row.action == "create"]
        updated = [row for row in planned if row.action == "update"]
        _insert_clients(created, actor, now)
        previous = _apply_updates(updated, actor, now)
        db.session.flush()  # ids of the new clients, versions of the updated ones

        notes = _add_notes(created + updated, actor, now)
        labels_added = _give_labels(run.label_ids, created, updated)
        _record_imported(run, created, updated)
        _keep_what_was_done(run, created, updated, previous, notes, labels_added)
        counts = _count_batch(run, planned, created, updated)
    run.failed += [(row.row, row.errors) for row in planned if row.action == "error"]
    return counts


def _apply_updates(updated, actor, now) -> dict[int, dict]:
    """Write the changed values on the matched clients; client id -> the old values."""
    previous = {}
    for row in updated:
        client = row.client
        previous[client.id] = {name: old for name, (old, _new) in row.changes.items()}
        for name in row.changes:
            setattr(client, name, row.row.values[name])
        if row.changes:
            client.updated_at, client.updated_by_id = now, actor.id
    return previous


def _add_notes(written, actor, now) -> dict[int, Note]:
    """A note for each client written whose row has one; client id -> the note."""
    notes = {}
    for row in written:
        if row.row.note:
            notes[row.client.id] = Note(
                client_id=row.client.id,
                body=row.row.note,
                author_id=actor.id,
                updated_by_id=actor.id,
                created_at=now,
                updated_at=now,
            )
    db.session.add_all(notes.values())
    db.session.flush()
    return notes


def _record_imported(run: ImportRun, created, updated) -> None:
    """ "Imported" (with the file's name) on the timeline of every client written."""
    actor = run.actor
    file_quote = {"import_file": [None, run.filename]}
    record_for_many(
        [row.client.id for row in created], "client.imported", actor, changes=file_quote
    )
    for row in updated:
        event = record(row.client, "client.imported", actor, changes=file_quote | row.changes)
        event.client_version = row.client.version


def _keep_what_was_done(run: ImportRun, created, updated, previous, notes, labels_added) -> None:
    """One ImportedClient per client written: what a revert needs to undo it."""
    entries = [
        {
            "import_id": run.import_id,
            "client_id": row.client.id,
            "action": "created",
            "previous": None,
            "version_after": row.client.version,
            "note_id": notes[row.client.id].id if row.client.id in notes else None,
        }
        for row in created
    ] + [
        {
            "import_id": run.import_id,
            "client_id": row.client.id,
            "action": "updated",
            "previous": json.dumps(
                {
                    "fields": previous[row.client.id],
                    "labels": labels_added.get(row.client.id, []),
                }
            ),
            "version_after": row.client.version,
            "note_id": notes[row.client.id].id if row.client.id in notes else None,
        }
        for row in updated
    ]
    if entries:
        db.session.execute(insert(ImportedClient), entries)


def _count_batch(run: ImportRun, planned, created, updated) -> dict:
    """The batch's counts, added to the import's."""
    counts = {
        "created": len(created),
        "updated": len(updated),
        "skipped": sum(row.action == "skip" for row in planned),
        "failed": sum(row.action == "error" for row in planned),
    }
    db.session.execute(
        update(ClientImport)
        .where(ClientImport.id == run.import_id)
        .values(**{name: getattr(ClientImport, name) + number for name, number in counts.items()})
    )
    return counts


@dataclass(frozen=True, slots=True)
class _NewClient:
    """A client the batch inserted: what the rest of the batch reads of it."""

    id: int
    version: int = 1


def _insert_clients(created, actor, now) -> None:
    """The new clients in one INSERT per batch, their ids returned in order: half the
    job's time went to the ORM's unit of work for them otherwise. The derived columns
    are the model's own (derived_columns, which a bulk insert does not call for us)."""
    if not created:
        return
    rows = []
    for row in created:
        values = {name: row.row.values.get(name) for name in EDITABLE_FIELDS}
        rows.append(
            values
            | derived_columns(
                values["first_name"],
                values["last_name"],
                values["email"],
                values["phone"],
                values["whatsapp"],
            )
            | {
                "created_at": now,
                "updated_at": now,
                "created_by_id": actor.id,
                "updated_by_id": actor.id,
                "version": 1,
            }
        )
    ids = db.session.scalars(
        insert(Client).returning(Client.id, sort_by_parameter_order=True), rows
    ).all()
    for row, client_id in zip(created, ids, strict=True):
        row.client = _NewClient(client_id)


def _give_labels(label_ids, created, updated) -> dict[int, list[int]]:
    """Tick the chosen labels on every client written; client id -> labels it gained."""
    if not label_ids:
        return {}
    had = set()
    if updated:
        had = {
            tuple(pair)
            for pair in db.session.execute(
                select(client_labels.c.client_id, client_labels.c.label_id).where(
                    client_labels.c.client_id.in_([row.client.id for row in updated]),
                    client_labels.c.label_id.in_(label_ids),
                )
            )
        }
    added: dict[int, list[int]] = {}
    for row in created + updated:
        for label_id in label_ids:
            if (row.client.id, label_id) not in had:
                added.setdefault(row.client.id, []).append(label_id)
    pairs = [
        {"client_id": client_id, "label_id": label_id}
        for client_id, label_ids_added in added.items()
        for label_id in label_ids_added
    ]
    if pairs:
        db.session.execute(insert(client_labels), pairs)
    return added
