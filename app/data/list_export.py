"""Export the client list as it stands (search, view and label filters applied) to CSV or
XLSX, with the columns staff tick. A short list is written in the request; a long one
is a background job whose file waits, encrypted, for the staff member who asked.

Every cell goes through spreadsheet_safe() (app/core/export.py, shared with the one-client
export): a value a spreadsheet would run as a formula is quoted.
"""

import csv
import io
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.clients.api import ListFilter, client_page, labels_of
from app.core.database import write_transaction
from app.core.export import spreadsheet_safe
from app.core.extensions import db
from app.core.jobs import JobFailed
from app.data.files import read_encrypted, write_encrypted
from app.models import FIELD_LABELS, Client, DataExport

# column key -> heading; the order of the file: the form's fields, then these.
EXPORT_COLUMNS = {**FIELD_LABELS, "labels": "Labels", "created_at": "Added"}
DEFAULT_COLUMNS = ("first_name", "last_name", "email", "phone", "labels")
FORMATS = {"csv": "CSV (any spreadsheet, UTF-8)", "xlsx": "Excel workbook (.xlsx)"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
INLINE_ROWS = 2_000  # more than this runs as a background job
BATCH = 500  # clients read per query
FILE_LIFETIME = 24 * 3600  # seconds a job's file waits to be downloaded


@dataclass(frozen=True)
class ExportRequest:
    query: str
    view: str
    label_ids: tuple[int, ...]
    columns: tuple[str, ...]
    file_format: str

    @property
    def list_filter(self) -> ListFilter:
        return ListFilter(view=self.view, label_ids=self.label_ids)

    def as_params(self) -> dict:
        return {
            "query": self.query,
            "view": self.view,
            "label_ids": list(self.label_ids),
            "columns": list(self.columns),
            "file_format": self.file_format,
        }

    @classmethod
    def from_params(cls, params: dict) -> "ExportRequest":
        return cls(
            params["query"],
            params["view"],
            tuple(params["label_ids"]),
            tuple(params["columns"]),
            params["file_format"],
        )


def matching_ids(request: ExportRequest, limit: int | None = None) -> list[int]:
    """The ids of the clients the list shows, in its order (the list's own query, page
    by page); at most `limit` of them."""
    ids: list[int] = []
    after = None
    while limit is None or len(ids) < limit:
        page = client_page(request.query, after, BATCH, request.list_filter)
        ids.extend(row.id for row in page.rows)
        if page.next_cursor is None:
            break
        after = int(page.next_cursor)
    return ids if limit is None else ids[:limit]


def _cells(client: Client, labels: dict, columns: tuple[str, ...]) -> list[str]:
    cells = []
    for column in columns:
        if column == "labels":
            value = ", ".join(badge.name for badge in labels.get(client.id, []))
        elif column == "created_at":
            value = client.created_at.date().isoformat()
        else:
            value = getattr(client, column)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
        cells.append(spreadsheet_safe(value))
    return cells


def _rows(ids: list[int], columns: tuple[str, ...], progress=None):
    """The cells of each client, in the order of `ids`, read a batch at a time."""
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        clients = {
            client.id: client
            for client in db.session.scalars(select(Client).where(Client.id.in_(batch)))
        }
        labels = labels_of(batch) if "labels" in columns else {}
        for client_id in batch:
            client = clients.get(client_id)
            if client is not None:  # deleted meanwhile: left out
                yield _cells(client, labels, columns)
        db.session.expunge_all()
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))


def write_file(ids: list[int], columns: tuple[str, ...], file_format: str, progress=None) -> bytes:
    headings = [EXPORT_COLUMNS[column] for column in columns]
    rows = _rows(ids, columns, progress)
    if file_format == "csv":
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(headings)
        writer.writerows(rows)
        # The BOM tells spreadsheet programs the file is UTF-8 (accents survive).
        return output.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Clients")
    sheet.append(headings)
    for row in rows:
        sheet.append([cell or None for cell in row])  # an empty cell, not an empty string
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def record_export(staff_id: int, request: ExportRequest, row_count: int, job_id=None) -> None:
    """Each export is recorded: who, when, how many rows, which columns (no search
    term: it may name a client)."""
    with write_transaction():
        db.session.add(
            DataExport(
                staff_id=staff_id,
                row_count=row_count,
                file_format=request.file_format,
                columns=",".join(request.columns),
                filtered=bool(request.query.strip() or request.label_ids)
                or request.view != "active",
                job_id=job_id,
            )
        )


def filename(file_format: str) -> str:
    return f"clients-{time.strftime('%Y-%m-%d')}.{file_format}"


# --- the background job ---------------------------------------------------------------


def exports_dir() -> Path:
    configured = current_app.config.get("EXPORT_FILES_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "exports"


def _remove_old_files(folder: Path) -> None:
    cutoff = time.time() - FILE_LIFETIME
    for path in folder.glob("*.bin"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def export_job(params: dict, progress) -> dict:
    """params: an ExportRequest's and the asker's staff_id."""
    request = ExportRequest.from_params(params)
    ids = matching_ids(request)
    if not ids:
        raise JobFailed("No client matches this list any more: nothing to export.")
    progress(0, len(ids))
    content = write_file(ids, request.columns, request.file_format, progress)
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old_files(folder)
    stored = f"{secrets.token_hex(16)}.bin"
    write_encrypted(folder / stored, content)
    record_export(params["staff_id"], request, len(ids), job_id=progress.job_id)
    return {
        "rows": len(ids),
        "file": stored,
        "file_format": request.file_format,
        "filename": filename(request.file_format),
    }


def job_file(result: dict) -> bytes | None:
    """The file a finished export job wrote, or None when it is gone (expired)."""
    name = result.get("file", "")
    if not re.fullmatch(r"[0-9a-f]{32}\.bin", name):
        return None
    path = exports_dir() / name
    if not path.exists() or path.stat().st_mtime < time.time() - FILE_LIFETIME:
        return None
    return read_encrypted(path)
