"""The writes of an import: the upload, the steps' choices, the job that imports, and
the revert. Each is one action; the job writes a batch of rows per transaction and
every client it touches gets "Imported" (with the file's name) on its timeline."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, insert, select, update

from app.activity import jsonable, record, record_for_many
from app.data.export import spreadsheet_safe
from app.data.files import write_encrypted
from app.data.imports import (
    ImportSettings,
    failed_rows_path,
    read_stored,
    remove_stale_files,
    upload_path,
)
from app.data.imports.mapping import match_headers
from app.data.imports.reading import Table, UnreadableFile, read_table
from app.data.imports.rows import Planner, check_rows, client_room, find_matches
from app.data.list_export import exports_dir
from app.data.words import rows_in_words
from app.database import scrub_after_commit, write_transaction
from app.extensions import db
from app.jobs import JobFailed, job_kind, start_job
from app.models import (
    EDITABLE_FIELDS,
    Base,
    Client,
    ClientImport,
    ImportedClient,
    Label,
    Note,
    StaffMember,
    client_labels,
    utcnow,
)
from app.models.client import derived_columns
from app.models.data import IMPORT_FILENAME_MAX_LENGTH
from app.permissions import Permission, can
from app.sessions import SignedInStaff

BATCH = 500  # rows written per transaction


def _require(actor) -> None:
    # Routes check first; the job and the revert check again (defence in depth).
    if not (can(actor, Permission.IMPORT_EXPORT) and can(actor, Permission.EDIT_CLIENTS)):
        raise PermissionError("importing clients is not allowed for this staff member")


def clean_filename(name: str) -> str:
    """The uploaded file's name as staff will see it (no folders, no control characters)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    return name[:IMPORT_FILENAME_MAX_LENGTH]


def create_import(filename: str, file_format: str, content: bytes, table: Table, actor):
    """Keep the upload (encrypted) and start an import with the columns matched."""
    _require(actor)
    remove_stale_files()
    settings = ImportSettings(
        encoding=table.encoding, delimiter=table.delimiter, mapping=match_headers(table.headers)
    )
    with write_transaction():
        client_import = ClientImport(
            filename=clean_filename(filename),
            file_format=file_format,
            settings=settings.to_json(),
            row_count=table.row_count,
            created_by_id=actor.id,
        )
        db.session.add(client_import)
        db.session.flush()
        exports_dir().mkdir(parents=True, exist_ok=True)
        write_encrypted(upload_path(client_import.id), content)
    return client_import


def save_settings(client_import: ClientImport, settings: ImportSettings, actor, **changes):
    _require(actor)
    with write_transaction():
        db.session.refresh(client_import, with_for_update=True)
        client_import.settings = settings.to_json()
        for name, value in changes.items():
            setattr(client_import, name, value)


class AlreadyStarted(Exception):
    """The import was started already (a second click, another tab)."""


def start_import(client_import: ClientImport, settings: ImportSettings, actor) -> int:
    """Keep the final choices and queue the job; its id."""
    _require(actor)
    with write_transaction():
        claimed = db.session.execute(
            update(ClientImport)
            .where(ClientImport.id == client_import.id, ClientImport.job_id.is_(None))
            .values(settings=settings.to_json(), imported_at=utcnow())
        ).rowcount
    if not claimed:
        raise AlreadyStarted()
    try:
        job_id = start_job("import", actor, {"import_id": client_import.id})
    except BaseException:
        with write_transaction():
            db.session.execute(
                update(ClientImport)
                .where(ClientImport.id == client_import.id)
                .values(imported_at=None)
            )
        raise
    with write_transaction():
        db.session.execute(
            update(ClientImport).where(ClientImport.id == client_import.id).values(job_id=job_id)
        )
    return job_id


# --- the job ---------------------------------------------------------------------------


@dataclass
class _Run:
    """What one batch needs to know about the whole import."""

    import_id: int
    filename: str
    settings: ImportSettings
    actor: SignedInStaff
    label_ids: list[int]
    failed: list = field(default_factory=list)


@job_kind("import")
def import_job(params: dict, progress) -> dict:
    """params: {"import_id"}. Reads the kept file again, checks every row, then writes
    BATCH rows per transaction (each batch planned again inside its transaction, so a
    client added meanwhile is matched and the client limit is counted then)."""
    client_import = db.session.get(ClientImport, params["import_id"])
    if client_import is None:
        raise JobFailed("This import no longer exists.")
    if client_import.job_id not in (None, progress.job_id):
        raise JobFailed("This import has already run.")
    member = db.session.get(StaffMember, client_import.created_by_id or 0)
    actor = SignedInStaff.of(member) if member is not None and member.active else None
    if actor is None or not can(actor, Permission.EDIT_CLIENTS):
        raise JobFailed("The staff member who started this import may no longer add clients.")
    settings = ImportSettings.from_json(client_import.settings)
    content = read_stored(upload_path(client_import.id))
    if content is None:
        raise JobFailed("The uploaded file is gone (files are kept for a day). Upload it again.")
    try:
        table = read_table(
            content, client_import.file_format, settings.encoding, settings.delimiter
        )
    except UnreadableFile as error:
        raise JobFailed(str(error)) from error
    label_ids = list(
        db.session.scalars(select(Label.id).where(Label.id.in_(settings.label_ids or [0])))
    )
    run = _Run(client_import.id, client_import.filename, settings, actor, label_ids)
    db.session.rollback()
    checked = check_rows(table, settings.mapping, settings.match_key)
    total = len(checked)
    progress(0, total)
    counts = dict.fromkeys(("created", "updated", "skipped", "failed"), 0)
    for start in range(0, total, BATCH):
        batch_counts = _write_batch(run, checked[start : start + BATCH])
        for name, number in batch_counts.items():
            counts[name] += number
        db.session.expunge_all()
        progress(min(start + BATCH, total), total)
    if run.failed:
        write_encrypted(failed_rows_path(run.import_id), failed_rows_csv(table.headers, run.failed))
    with write_transaction():
        db.session.execute(
            update(ClientImport)
            .where(ClientImport.id == run.import_id)
            .values(imported_at=utcnow())
        )
    upload_path(run.import_id).unlink(missing_ok=True)  # imported: the upload is not needed
    return counts


def _write_batch(run: _Run, rows) -> dict:
    settings, actor = run.settings, run.actor
    with write_transaction():
        matches = find_matches(settings.match_key, (row.key for row in rows))
        planner = Planner(settings.match_key, settings.on_match, actor, matches, client_room())
        planned = [planner.plan(row) for row in rows]
        now = utcnow()
        created = [row for row in planned if row.action == "create"]
        updated = [row for row in planned if row.action == "update"]
        _insert_clients(created, actor, now)
        previous = {}
        for row in updated:
            client = row.client
            previous[client.id] = {name: old for name, (old, _new) in row.changes.items()}
            for name in row.changes:
                setattr(client, name, row.row.values[name])
            if row.changes:
                client.updated_at, client.updated_by_id = now, actor.id
        db.session.flush()  # ids of the new clients, versions of the updated ones

        notes = {}
        for row in created + updated:
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

        labels_added = _give_labels(run.label_ids, created, updated)
        file_quote = {"import_file": [None, run.filename]}
        record_for_many(
            [row.client.id for row in created], "client.imported", actor, changes=file_quote
        )
        for row in updated:
            event = record(row.client, "client.imported", actor, changes=file_quote | row.changes)
            event.client_version = row.client.version
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
        counts = {
            "created": len(created),
            "updated": len(updated),
            "skipped": sum(row.action == "skip" for row in planned),
            "failed": sum(row.action == "error" for row in planned),
        }
        db.session.execute(
            update(ClientImport)
            .where(ClientImport.id == run.import_id)
            .values(
                **{name: getattr(ClientImport, name) + number for name, number in counts.items()}
            )
        )
    run.failed += [(row.row, row.errors) for row in planned if row.action == "error"]
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


def failed_rows_csv(headers: list[str], failed) -> bytes:
    """The rows that were not imported, as the file had them, with the reasons first;
    a cell a spreadsheet would run as a formula is quoted."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["Row", "Errors", *(spreadsheet_safe(heading) for heading in headers)])
    for row, errors in failed:
        writer.writerow(
            [row.number, spreadsheet_safe(" ".join(errors))]
            + [spreadsheet_safe(cell) for cell in row.cells]
        )
    return output.getvalue().encode("utf-8-sig")


# --- revert ------------------------------------------------------------------------------

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
    _require(actor)
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
