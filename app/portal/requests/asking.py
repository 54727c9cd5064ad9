"""Data-rights requests as the client makes them: a download or a deletion (one open
of each kind at a time), a suggested correction (the fields they changed, each stored
as [value now, value proposed]), and the download link an approval sends them: only its
SHA-256 is kept (link_digest), download_for opens it, record_download puts the fetch in
their history.

Each function is one user action in one transaction, with its timeline event.
"""

import hashlib
import hmac
import json
from datetime import date

from sqlalchemy import select

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.timeline import record
from app.models import DATA_REQUEST_KINDS, EDITABLE_FIELDS, Activity, Client, DataRequest, utcnow

# Kinds a client may have only one open request of at a time.
ONE_OPEN_AT_A_TIME = ("download", "deletion")


class RequestRefused(Exception):
    """A client's request that cannot be made; `code` says which message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def lock_client(client: Client) -> None:
    db.session.refresh(client, with_for_update=True)


def _usable(client: Client) -> bool:
    return client.deleted_at is None and client.erased_at is None


def _record_by_client(client: Client, verb: str, subject, changes=None) -> Activity:
    event = record(client, verb, None, subject=subject, changes=changes)
    event.actor_type = "client"
    return event


def ask(client: Client, kind: str) -> DataRequest:
    """A download or a deletion, asked by the client (one open of each kind at a time)."""
    if kind not in ONE_OPEN_AT_A_TIME:
        raise ValueError(f"not a request asked without details: {kind!r}")
    with write_transaction():
        lock_client(client)  # two clicks at once: the second waits, then finds the first
        if not _usable(client):
            raise RequestRefused("unavailable")
        already = db.session.scalar(
            select(DataRequest.id).where(
                DataRequest.client_id == client.id,
                DataRequest.kind == kind,
                DataRequest.status == "open",
            )
        )
        if already is not None:
            raise RequestRefused("already_asked")
        data_request = DataRequest(client_id=client.id, kind=kind, status="open")
        db.session.add(data_request)
        db.session.flush()
        _record_by_client(
            client, "request.made", data_request, {"request": [None, DATA_REQUEST_KINDS[kind]]}
        )
    return data_request


def suggest_correction(client: Client, values: dict) -> DataRequest:
    """The fields the client changed, as field -> [value now, value proposed]; fields the
    client left as they are are not stored."""
    with write_transaction():
        lock_client(client)
        if not _usable(client):
            raise RequestRefused("unavailable")
        proposed = {}
        for field in EDITABLE_FIELDS:
            if field not in values:
                continue
            current, wanted = plain_value(getattr(client, field)), plain_value(values[field])
            if current != wanted:
                proposed[field] = [current, wanted]
        if not proposed:
            raise RequestRefused("nothing_changed")
        data_request = DataRequest(
            client_id=client.id,
            kind="correction",
            status="open",
            proposed=json.dumps(proposed, ensure_ascii=False),
        )
        db.session.add(data_request)
        db.session.flush()
        _record_by_client(
            client,
            "request.made",
            data_request,
            {"request": [None, DATA_REQUEST_KINDS["correction"]]},
        )
    return data_request


def plain_value(value):
    """A field's value as a correction stores it (dates as ISO text, empty as None)."""
    if isinstance(value, date):
        return value.isoformat()
    return value if value not in ("", None) else None


def proposed_changes(data_request: DataRequest) -> dict[str, list]:
    """field -> [value when asked, value proposed], in the form's order."""
    stored = json.loads(data_request.proposed or "{}")
    return {field: stored[field] for field in EDITABLE_FIELDS if field in stored}


# --- the download link ----------------------------------------------------------------


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def download_for(client_id: int, request_id: int, token: str) -> DataRequest | None:
    """The approved download this link opens for this client, or None (unknown, another
    client's, expired, or the wrong token: all look the same)."""
    if not token or len(token) > 100:
        return None
    data_request = db.session.scalar(
        select(DataRequest).where(
            DataRequest.id == request_id,
            DataRequest.client_id == client_id,
            DataRequest.kind == "download",
            DataRequest.status == "approved",
        )
    )
    if data_request is None or data_request.download_digest is None:
        return None
    if not hmac.compare_digest(data_request.download_digest, link_digest(token)):
        return None
    if data_request.download_expires_at is None or data_request.download_expires_at <= utcnow():
        return None
    return data_request


def record_download(client: Client, data_request: DataRequest) -> None:
    """The client fetched their data: part of their history, as a staff export is."""
    with write_transaction():
        _record_by_client(client, "request.downloaded", data_request)
