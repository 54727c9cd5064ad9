"""The writes of an import: the upload, the steps' choices and the job that imports
(the preview's job is in previews.py, the revert in revert.py). Each is one action;
the job writes a batch of rows per transaction and every client it touches gets
"Imported" (with the file's name) on its timeline."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select, update

from app.core.database import write_transaction
from app.core.export import spreadsheet_safe
from app.core.extensions import db
from app.core.jobs import JobFailed, job_kind, start_job
from app.core.permissions import Permission, can
from app.core.sessions import SignedInStaff
from app.core.timeline import record, record_for_many
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
from app.data.list_export import FILE_LIFETIME, exports_dir
from app.models import (
    EDITABLE_FIELDS,
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

BATCH = 500  # rows written per transaction


def require_importer(actor) -> None:
    # Routes check first; the job and the revert check again (defence in depth).
    if not (can(actor, Permission.IMPORT_EXPORT) and can(actor, Permission.EDIT_CLIENTS)):
        raise PermissionError("importing clients is not allowed for this staff member")


def import_actor(client_import: ClientImport) -> SignedInStaff:
    """Whom the jobs (preview and import) act for: the staff member who uploaded."""
    member = db.session.get(StaffMember, client_import.created_by_id or 0)
    actor = SignedInStaff.of(member) if member is not None and member.active else None
    if actor is None or not can(actor, Permission.EDIT_CLIENTS):
        raise JobFailed("The staff member who started this import may no longer add clients.")
    return actor


def clean_filename(name: str) -> str:
    """The uploaded file's name as staff will see it (no folders, no control characters)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    return name[:IMPORT_FILENAME_MAX_LENGTH]


def create_import(filename: str, file_format: str, content: bytes, sample: Table, actor):
    """Keep the upload (encrypted) and start an import with the columns matched. Only a
    sample of the file has been read: its rows are counted by the preview's job."""
    require_importer(actor)
    remove_stale_files()
    settings = ImportSettings(
        encoding=sample.encoding,
        delimiter=sample.delimiter,
        mapping=match_headers(sample.headers),
    )
    with write_transaction():
        # What abandoned previews found goes with their files (a day old).
        db.session.execute(
            update(ClientImport)
            .where(
                ClientImport.preview.is_not(None),
                ClientImport.created_at < utcnow() - timedelta(seconds=FILE_LIFETIME),
            )
            .values(preview=None)
        )
        client_import = ClientImport(
            filename=clean_filename(filename),
            file_format=file_format,
            settings=settings.to_json(),
            row_count=0,
            created_by_id=actor.id,
        )
        db.session.add(client_import)
        db.session.flush()
        exports_dir().mkdir(parents=True, exist_ok=True)
        write_encrypted(upload_path(client_import.id), content)
    return client_import


def save_settings(client_import: ClientImport, settings: ImportSettings, actor, **changes):
    require_importer(actor)
    with write_transaction():
        db.session.refresh(client_import, with_for_update=True)
        client_import.settings = settings.to_json()
        for name, value in changes.items():
            setattr(client_import, name, value)


class AlreadyStarted(Exception):
    """The import was started already (a second click, another tab)."""


def start_import(client_import: ClientImport, settings: ImportSettings, actor) -> int:
    """Keep the final choices and queue the job; its id."""
    require_importer(actor)
    with write_transaction():
        claimed = db.session.execute(
            update(ClientImport)
            .where(ClientImport.id == client_import.id, ClientImport.job_id.is_(None))
            # the preview's rows are not needed once the import has started
            .values(settings=settings.to_json(), imported_at=utcnow(), preview=None)
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
    actor = import_actor(client_import)
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
            .values(imported_at=utcnow(), row_count=len(table.rows))
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
