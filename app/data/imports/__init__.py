"""Import clients from a file: upload, map columns, preview (a dry run), import (a
background job) and revert.

reading.py reads a file into headings and rows (xlsx.py a workbook's, as a stream of
rows; vcard.py a phone's contacts); mapping.py says which column goes to which field;
rows.py checks each row with the client form and plans what happens to it; ops.py
holds the writes of each step and the import's job; previews.py the preview's job (the
upload reads a sample only: reading and checking a whole file is a job's work);
revert.py the revert. The uploaded file waits between the steps encrypted
(app/data/files.py) beside the large exports, and is removed when the import has run,
or a day after it was uploaded.
"""

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag

from app.data.files import read_encrypted
from app.data.list_export import FILE_LIFETIME, exports_dir

IMPORT_VERBS = {"client.imported": "Imported", "client.import_reverted": "Import reverted"}


@dataclass
class ImportSettings:
    """The choices of the steps, kept (encrypted) on the import: never a cell of the file."""

    encoding: str | None = None
    delimiter: str | None = None
    mapping: list[str] = field(default_factory=list)
    match_key: str = "email"
    on_match: str = "skip"
    bad_values: str = "note"  # see rows.BAD_VALUES
    label_ids: list[int] = field(default_factory=list)
    revert: dict | None = None  # what the revert did, for the summary

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> "ImportSettings":
        known = cls.__dataclass_fields__
        stored = json.loads(text) if text else {}
        return cls(**{key: value for key, value in stored.items() if key in known})


def upload_path(import_id: int) -> Path:
    return exports_dir() / f"import-{import_id}.bin"


def failed_rows_path(import_id: int) -> Path:
    return exports_dir() / f"import-{import_id}-failed.bin"


def _fresh(path: Path) -> bool:
    return path.exists() and path.stat().st_mtime >= time.time() - FILE_LIFETIME


def is_kept(path: Path) -> bool:
    """Whether a file an import keeps is still there, without reading it."""
    return _fresh(path)


def read_stored(path: Path) -> bytes | None:
    """A file an import keeps (the upload, the failed rows), or None once it is gone:
    removed after the import, or a day old."""
    if not _fresh(path):
        return None
    try:
        return read_encrypted(path)
    except (OSError, ValueError, InvalidTag):
        return None


def remove_stale_files() -> None:
    """Uploads abandoned between the steps, and failed-row lists, go after a day."""
    folder = exports_dir()
    if not folder.exists():
        return
    cutoff = time.time() - FILE_LIFETIME
    for path in folder.glob("import-*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
