"""The erasure ledger: every erasure, kept outside the database, so that restoring a backup
taken before an erasure erases that client again.

One JSON line per erasure: the client's id, when the client was created (an id reused
after a restore from an older backup is not the same client) and when they were erased.
No name, no initials: the ledger is kept beside the backups and must hold nothing
personal itself. Appended after the erasure commits, flushed and fsynced.
"""

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core.database import after_commit, scrub_after_commit
from app.core.extensions import db

log = logging.getLogger(__name__)
LEDGER_FILENAME = "erasure-ledger.jsonl"


def ledger_path() -> Path:
    """ERASURE_LEDGER, else instance/erasure-ledger.jsonl (beside the default SQLite
    database). Not beside whatever file DATABASE_URL names: a restore drill into a
    scratch database must read the live ledger."""
    configured = current_app.config.get("ERASURE_LEDGER")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / LEDGER_FILENAME


def entry_for(client_id: int, created_at: datetime, erased_at: datetime) -> dict:
    return {
        "client_id": client_id,
        "created_at": created_at.isoformat(),
        "erased_at": erased_at.isoformat(),
    }


def append(entries: list[dict], path: Path | None = None) -> None:
    """Add lines to the ledger and make them durable before returning."""
    if not entries:
        return
    path = path or ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        for entry in entries:
            file.write(json.dumps(entry, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())


def read(path: Path | None = None) -> list[dict]:
    """Every entry, oldest first; a torn last line (a crash mid-write) is skipped."""
    path = path or ledger_path()
    if not path.exists():
        return []
    entries = []
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                entries.append(
                    {
                        "client_id": int(entry["client_id"]),
                        "created_at": datetime.fromisoformat(entry["created_at"]),
                        "erased_at": datetime.fromisoformat(entry["erased_at"]),
                    }
                )
            except (ValueError, KeyError, TypeError):
                log.warning("erasure ledger %s: line %d is not an entry; skipped", path, number)
    return entries


def erased_after_commit(client) -> None:
    """In an erasure's write transaction: once it commits, add the client to the ledger,
    then scrub the database files of the erased values."""
    entry = entry_for(client.id, client.created_at, client.erased_at)

    def write_ledger():
        try:
            append([entry])
        except OSError:
            # The erasure stands; the next `flask backup` adds the missing line from the
            # erasures table (sync_from_database).
            log.exception("could not add client %s to the erasure ledger", entry["client_id"])

    after_commit(write_ledger)
    scrub_after_commit()


def sync_from_database() -> int:
    """Add to the ledger any erasure the database holds that the ledger lacks (a failed
    append, a ledger file lost); returns how many lines were added."""
    from app.models import Client, Erasure

    known = {(entry["client_id"], entry["created_at"]) for entry in read()}
    missing = [
        entry_for(client_id, created_at, erased_at)
        for client_id, created_at, erased_at in db.session.execute(
            select(Client.id, Client.created_at, Erasure.erased_at)
            .join(Erasure, Erasure.client_id == Client.id)
            .where(Client.erased_at.is_not(None))
            .order_by(Erasure.id)
        )
        if (client_id, created_at) not in known
    ]
    append(missing)
    return len(missing)
