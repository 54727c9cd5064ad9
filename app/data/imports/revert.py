"""Revert import: the clients an import created are removed and the fields it updated
get their values back, in one transaction, for the clients nobody changed since; the
others stay as they are, listed with why. revert_check() says beforehand what a revert
would do, in a fixed number of queries whatever the import's size."""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select

from app.core.database import scrub_after_commit, write_transaction
from app.core.extensions import db
from app.core.row_words import rows_in_words
from app.core.timeline import jsonable, record
from app.data.imports import ImportSettings
from app.data.imports.ops import BATCH, require_importer
from app.models import (
    Base,
    Client,
    ClientImport,
    ImportedClient,
    Note,
    StaffMember,
    client_labels,
    utcnow,
)

# Rows that point at a client without keeping it from being removed by a revert: its
# timeline, its labels, and the import records themselves (the import's own note is
# told apart by its id).
_NOT_BLOCKING = {"activities", "client_labels", "imported_clients"}
BLOCKED_SHOWN = 100


def _referencing_columns():
    """Every column (but the ignored ones) with a foreign key to clients.id."""
    clients_id = Client.__table__.c.id
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in _NOT_BLOCKING or table.name == "clients":
            continue
        for column in table.columns:
            if any(key.column is clients_id for key in column.foreign_keys):
                found.append((table, column))
    return found


def _describe(table_name: str, count: int) -> str:
    return f"has {rows_in_words(table_name, count)}"


@dataclass
class RevertCheck:
    removable: list[int]  # created clients that can go
    restorable: list[int]  # ImportedClient ids of updated clients that can go back
    blocked: list[dict]  # {"client_id", "name", "reasons"}, at most BLOCKED_SHOWN
    blocked_count: int


def revert_check(import_id: int, lock: bool = False) -> RevertCheck:
    """Which clients a revert would remove or restore, and what blocks the others.
    A fixed number of queries whatever the import's size."""
    entries = (
        select(
            ImportedClient.id,
            ImportedClient.client_id,
            ImportedClient.action,
            ImportedClient.version_after,
            Client.version,
            Client.first_name,
            Client.last_name,
            StaffMember.name,
        )
        .join(Client, Client.id == ImportedClient.client_id)
        .outerjoin(StaffMember, StaffMember.id == Client.updated_by_id)
        .where(ImportedClient.import_id == import_id)
        .order_by(ImportedClient.id)
    )
    if lock:
        entries = entries.with_for_update(of=Client)
    rows = db.session.execute(entries).all()
    created_ids = (
        select(ImportedClient.client_id)
        .where(ImportedClient.import_id == import_id, ImportedClient.action == "created")
        .scalar_subquery()
    )
    import_notes = (
        select(ImportedClient.note_id)
        .where(ImportedClient.import_id == import_id, ImportedClient.note_id.is_not(None))
        .scalar_subquery()
    )
    references: dict[int, list[str]] = {}
    for table, column in _referencing_columns():
        counting = select(column, func.count()).where(column.in_(created_ids)).group_by(column)
        if table.name == "notes":
            counting = counting.where(table.c.id.not_in(import_notes))
        for client_id, count in db.session.execute(counting):
            references.setdefault(client_id, []).append(_describe(table.name, count))
    removable, restorable, blocked = [], [], []
    blocked_count = 0
    for entry_id, client_id, action, version_after, version, first, last, editor in rows:
        reasons = []
        if version != version_after:
            reasons.append(f"edited since by {editor}" if editor else "edited since")
        if action == "created":
            reasons += references.get(client_id, [])
        if not reasons:
            (removable if action == "created" else restorable).append(
                client_id if action == "created" else entry_id
            )
            continue
        blocked_count += 1
        if len(blocked) < BLOCKED_SHOWN:
            name = " ".join(part for part in (first, last) if part)
            blocked.append({"client_id": client_id, "name": name, "reasons": reasons})
    return RevertCheck(removable, restorable, blocked, blocked_count)


class AlreadyReverted(Exception):
    pass


def revert_import(client_import: ClientImport, actor) -> RevertCheck:
    """Undo the import, in one transaction: the clients it created are removed, and
    the fields it updated get their values back (its note and labels go too), for the
    clients nobody changed since; the others stay as they are, listed with why."""
    require_importer(actor)
    with write_transaction():
        db.session.refresh(client_import, with_for_update=True)
        if client_import.reverted_at is not None or client_import.job_id is None:
            raise AlreadyReverted()
        check = revert_check(client_import.id, lock=True)
        file_quote = {"import_file": [None, client_import.filename]}
        for start in range(0, len(check.removable), BATCH):
            chunk = check.removable[start : start + BATCH]
            db.session.execute(
                delete(Client)
                .where(Client.id.in_(chunk))
                .execution_options(synchronize_session=False)
            )
        for start in range(0, len(check.restorable), BATCH):
            _restore(check.restorable[start : start + BATCH], actor, file_quote)
        settings = ImportSettings.from_json(client_import.settings)
        settings.revert = {
            "removed": len(check.removable),
            "restored": len(check.restorable),
            "blocked": check.blocked,
            "blocked_count": check.blocked_count,
        }
        client_import.settings = settings.to_json()
        client_import.reverted_at = utcnow()
        client_import.reverted_by_id = actor.id
        if check.removable:
            scrub_after_commit()  # removed clients' data leaves the database files too
    return check


def _restore(entry_ids: list[int], actor, file_quote: dict) -> None:
    entries = db.session.scalars(
        select(ImportedClient).where(ImportedClient.id.in_(entry_ids))
    ).all()
    clients = {
        client.id: client
        for client in db.session.scalars(
            select(Client).where(Client.id.in_([entry.client_id for entry in entries]))
        )
    }
    now = utcnow()
    events = []
    for entry in entries:
        client = clients[entry.client_id]
        before = json.loads(entry.previous or "{}")
        fields = before.get("fields", {})
        changes = {}
        for name, old in fields.items():
            value = old
            if name == "birth_date" and old is not None:
                value = date.fromisoformat(old)
            if getattr(client, name) != value:
                changes[name] = [jsonable(getattr(client, name)), old]
                setattr(client, name, value)
        if changes:
            client.updated_at, client.updated_by_id = now, actor.id
        if before.get("labels"):
            db.session.execute(
                delete(client_labels).where(
                    client_labels.c.client_id == client.id,
                    client_labels.c.label_id.in_(before["labels"]),
                )
            )
        if entry.note_id:
            db.session.execute(delete(Note).where(Note.id == entry.note_id))
            scrub_after_commit("notes")
        events.append((client, changes))
    db.session.flush()
    for client, changes in events:
        event = record(client, "client.import_reverted", actor, changes=file_quote | changes)
        event.client_version = client.version
