"""The writes of an import: the upload, the steps' choices and the job that imports
(the preview's job is in previews.py, the revert in revert.py). Each is one action;
the job writes a batch of rows per transaction (batches.py) and every client it
touches gets "Imported" (with the file's name) on its timeline."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select, update

from app.core.database import write_transaction
from app.core.export import spreadsheet_safe
from app.core.extensions import db
from app.core.jobs import JobFailed, start_job
from app.core.permissions import Permission, can
from app.core.sessions import SignedInStaff
from app.data.files import write_encrypted
from app.data.imports import (
    ImportSettings,
    failed_rows_path,
    read_stored,
    remove_stale_files,
    upload_path,
)
from app.data.imports.batches import ImportRun, write_batch
from app.data.imports.mapping import match_headers
from app.data.imports.reading import Table, UnreadableFile, read_table
from app.data.imports.rows import check_rows
from app.data.list_export import FILE_LIFETIME, exports_dir
from app.models import (
    ClientImport,
    Label,
    StaffMember,
    utcnow,
)
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
    run = ImportRun(client_import.id, client_import.filename, settings, actor, label_ids)
    db.session.rollback()
    checked = check_rows(
        table, settings.mapping, settings.match_key, bad_values=settings.bad_values
    )
    total = len(checked)
    progress(0, total)
    counts = dict.fromkeys(("created", "updated", "skipped", "failed"), 0)
    for start in range(0, total, BATCH):
        batch_counts = write_batch(run, checked[start : start + BATCH])
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
