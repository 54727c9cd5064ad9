"""The preview, a dry run of the import over every row of its file, as a background job.

Reading and checking a whole file (20,000 rows of a workbook) is longer than a request
may take, so the Preview step queues a job (start_preview) and its page shows the
job's progress, polling, until the result is there. The result waits on the import
(ClientImport.preview, encrypted: the rows it lists name people), for any web worker
to show, with the key of the choices it was made with: once they change, it is no
longer shown as the preview, and a new job makes the one that reads the new choices.
Labels are not in the key: they change nothing that the preview shows.
"""

import json
import time
from dataclasses import asdict, dataclass, field

from sqlalchemy import select, update

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.jobs import JobFailed, start_job
from app.data.imports import ImportSettings, read_stored, upload_path
from app.data.imports.ops import AlreadyStarted, import_actor, require_importer, save_settings
from app.data.imports.reading import UnreadableFile, read_table
from app.data.imports.rows import ACTIONS, preview
from app.models import Client, ClientImport, Job, utcnow

PREVIEW_ROWS = 200  # rows kept of each kind (the counts cover them all)
FILTERS = ("all", *ACTIONS)
STEPS = 1_000  # the job's progress is told in thousandths
# How much of the job reading the file takes (checking the rows takes the rest).
READING_SHARE = {"xlsx": 0.6, "csv": 0.2, "vcf": 0.4}
SUPERSEDED_EVERY = 2.0  # seconds between two looks at whether a newer job replaced this one


def preview_key(settings: ImportSettings) -> str:
    """The choices a preview depends on: the result of other choices is not current."""
    return json.dumps(
        [
            settings.encoding,
            settings.delimiter,
            settings.mapping,
            settings.match_key,
            settings.on_match,
            settings.bad_values,
        ]
    )


@dataclass
class StoredPreview:
    """What a preview found: the counts over every row, and the first rows of each kind
    as the page lists them (a matched client by id: their name is read when shown)."""

    key: str
    row_count: int
    counts: dict[str, int]
    refused: int
    mapped: list[list[str]]  # [heading, target] of each column read
    listed: dict[str, list[dict]] = field(default_factory=dict)  # filter -> rows
    checked_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> "StoredPreview | None":
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None  # written by another version: previewed again


def _listed_row(planned) -> dict:
    row = planned.row
    return {
        "number": row.number,
        "action": planned.action,
        "name": row.name,
        "email": row.values.get("email") or "",
        "errors": planned.errors,
        "set_aside": [f"{label} “{text}” ({why})" for label, text, why in row.set_aside]
        if planned.action != "error"
        else [],
        "reason": planned.reason,
        "client_id": planned.client.id if planned.client is not None else None,
        "changes": list(planned.changes),
        "note": bool(row.note),
    }


def _stored(key, table, settings, result) -> StoredPreview:
    listed: dict[str, list[dict]] = {name: [] for name in FILTERS}
    for planned in result.rows:
        for name in ("all", planned.action):
            if len(listed[name]) < PREVIEW_ROWS:
                listed[name].append(_listed_row(planned))
    mapped = [
        [heading, target]
        for heading, target in zip(table.headers, settings.mapping, strict=False)
        if target
    ]
    return StoredPreview(
        key=key,
        row_count=len(result.rows),
        counts=result.counts,
        refused=result.refused,
        mapped=mapped,
        listed=listed,
        checked_at=utcnow().isoformat(),
    )


# --- starting one, and what the page shows --------------------------------------------


def start_preview(client_import: ClientImport, settings: ImportSettings, actor) -> int:
    """Keep the choices and queue a preview of them; the job's id. The choices are
    committed before the job is queued (it reads them), and the job is the import's
    latest once it is queued: an older one still running stops at its next look."""
    require_importer(actor)
    with write_transaction():
        db.session.refresh(client_import, with_for_update=True)
        if client_import.job_id is not None:
            raise AlreadyStarted()
        client_import.settings = settings.to_json()
    key = preview_key(settings)
    job_id = start_job("import_preview", actor, {"import_id": client_import.id, "key": key})
    with write_transaction():
        db.session.execute(
            update(ClientImport)
            .where(ClientImport.id == client_import.id, ClientImport.job_id.is_(None))
            .values(preview_job_id=job_id)
        )
    return job_id


def keep_and_preview(client_import: ClientImport, settings: ImportSettings, actor) -> None:
    """Keep the choices, and queue a preview of them unless one is there or on its way
    (labels alone change nothing the preview shows)."""
    if in_hand(preview_state(client_import, settings)):
        save_settings(client_import, settings, actor)
    else:
        start_preview(client_import, settings, actor)


@dataclass
class PreviewState:
    """Where the preview of the current choices stands: `current` (its result),
    `running` (its job is queued or running), `failed` (the latest job stopped, with
    the reason), or `missing` (never run, or made with other choices: `stale`)."""

    state: str
    job: Job | None
    result: StoredPreview | None
    stale: bool = False


def preview_state(client_import: ClientImport, settings: ImportSettings) -> PreviewState:
    key = preview_key(settings)
    job = (
        db.session.get(Job, client_import.preview_job_id) if client_import.preview_job_id else None
    )
    stored = StoredPreview.from_json(client_import.preview)
    if stored is not None and stored.key == key:
        return PreviewState("current", job, stored)
    if job is not None and not job.finished and (job.params or {}).get("key") == key:
        return PreviewState("running", job, None)
    if job is not None and job.status == "failed":
        return PreviewState("failed", job, None)
    return PreviewState("missing", job, None, stale=stored is not None)


def in_hand(state: PreviewState) -> bool:
    """A preview of the current choices is there or on its way: none to start."""
    return state.state in ("current", "running")


def matched_clients(rows: list[dict]) -> dict[int, Client]:
    """The clients the listed rows matched, as they are now: one query."""
    ids = {row["client_id"] for row in rows if row["client_id"]}
    if not ids:
        return {}
    return {
        client.id: client for client in db.session.scalars(select(Client).where(Client.id.in_(ids)))
    }


# --- the job -----------------------------------------------------------------------------


class _Report:
    """The job's progress over its two parts, reading and checking; and, every
    SUPERSEDED_EVERY seconds, whether its result is still wanted (it stops if not)."""

    def __init__(self, progress, import_id: int, key: str, reading_share: float):
        self.progress = progress
        self.import_id = import_id
        self.key = key
        self.share = reading_share
        self.looked_at = time.monotonic()

    def reading(self, fraction: float) -> None:
        self._tell(fraction * self.share)

    def checking(self, done: int, total: int) -> None:
        self._tell(self.share + (1 - self.share) * done / (total or 1))

    def _tell(self, fraction: float) -> None:
        self.progress(min(STEPS, int(fraction * STEPS)), STEPS)
        if time.monotonic() - self.looked_at >= SUPERSEDED_EVERY:
            self.looked_at = time.monotonic()
            self.stop_if_replaced()

    def stop_if_replaced(self) -> None:
        client_import = db.session.get(ClientImport, self.import_id, populate_existing=True)
        reason = _not_needed(client_import, self.progress.job_id, self.key)
        db.session.rollback()
        if reason:
            raise JobFailed(reason)


def _not_needed(client_import: ClientImport | None, job_id: int, key: str) -> str | None:
    """Why a preview's result would not be the import's preview (None: it would)."""
    if client_import is None:
        return "This import no longer exists."
    if client_import.job_id is not None:
        return "The import has started: its preview is not needed."
    if (client_import.preview_job_id or 0) > job_id:
        return "A newer preview of this import replaced this one."
    if preview_key(ImportSettings.from_json(client_import.settings)) != key:
        return "The choices changed since this preview started: it is not needed."
    return None


def preview_job(params: dict, progress) -> dict:
    """params: {"import_id", "key"}. Reads the kept file to the end, checks and plans
    every row as the import would, and keeps the result on the import, unless it is
    no longer needed (a newer preview was asked for, the choices changed, the import
    started): then it stops, at its next look or at the end. A file the whole read
    finds wrong (too many rows, a cell too long, a broken part) fails the job with the
    reason, for the page."""
    client_import = db.session.get(ClientImport, params["import_id"])
    if client_import is None:
        raise JobFailed("This import no longer exists.")
    if client_import.job_id is not None:
        raise JobFailed("This import has already run.")
    actor = import_actor(client_import)
    settings = ImportSettings.from_json(client_import.settings)
    import_id, file_format = client_import.id, client_import.file_format
    content = read_stored(upload_path(import_id))
    if content is None:
        raise JobFailed("The uploaded file is gone (files are kept for a day). Upload it again.")
    db.session.rollback()
    key = preview_key(settings)
    report = _Report(progress, import_id, key, READING_SHARE.get(file_format, 0.3))
    progress(0, STEPS)
    try:
        table = read_table(
            content, file_format, settings.encoding, settings.delimiter, progress=report.reading
        )
    except UnreadableFile as error:
        raise JobFailed(str(error)) from error
    del content
    report.reading(1.0)
    result = preview(table, settings, actor, progress=report.checking)
    db.session.rollback()
    stored = _stored(key, table, settings, result)
    with write_transaction():
        client_import = db.session.get(
            ClientImport, import_id, with_for_update=True, populate_existing=True
        )
        reason = _not_needed(client_import, progress.job_id, key)
        if reason:
            raise JobFailed(reason)  # the import's preview stays as it is
        client_import.preview = stored.to_json()
        client_import.row_count = stored.row_count
    return {"rows": stored.row_count, **stored.counts}
