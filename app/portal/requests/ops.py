"""Writes for data-rights requests: a client asks from their page, staff decide.

Each function is one user action in one transaction, with its timeline event and, for a
decision, the outcome email to the client in the same transaction.

A decision claims the request with a conditional UPDATE (status still "open"): of two
staff deciding at once, the second finds it decided and nothing of theirs is written.

- An approved download gets a link that expires (DOWNLOAD_DAYS); only its SHA-256 is
  kept, the link itself leaves in the email as its secret link.
- An approved correction goes through the client edit path (clients.ops'
  apply_client_update: its rules, version and audit) in the decision's transaction, so
  the edit and the decision commit or roll back together; the edit's event names the
  request as its subject.
- An approved deletion runs the erasure (clients.ops.wipe_client) in the decision's
  transaction, after the outcome email is queued: the erasure removes the address and
  the client's messages, so that one email is not tied to the client (client_id None).
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select, update

from app.clients import ops as client_ops
from app.core import erasure_ledger
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.i18n import supported_language
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.models import (
    DATA_REQUEST_KINDS,
    EDITABLE_FIELDS,
    FIELD_LABELS,
    Activity,
    Booking,
    Client,
    ClientAccount,
    DataRequest,
    utcnow,
)
from app.models.portal import DATA_REQUEST_REASON_MAX_LENGTH

DOWNLOAD_DAYS = 7
# Sessions that still hold a place: while the client has one ahead, no deletion.
UPCOMING_STATUSES = ("pending", "confirmed", "waitlisted")
# Kinds a client may have only one open request of at a time.
ONE_OPEN_AT_A_TIME = ("download", "deletion")


class RequestRefused(Exception):
    """A client's request that cannot be made; `code` says which message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class AlreadyDecided(Exception):
    """Someone decided the request first (or the client was erased meanwhile)."""


class DecisionRefused(Exception):
    """A decision that cannot be made as it stands; the message is for staff."""


# --- asking ---------------------------------------------------------------------------


def _lock_client(client: Client) -> None:
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
        _lock_client(client)  # two clicks at once: the second waits, then finds the first
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
        _lock_client(client)
        if not _usable(client):
            raise RequestRefused("unavailable")
        proposed = {}
        for field in EDITABLE_FIELDS:
            if field not in values:
                continue
            current, wanted = _plain(getattr(client, field)), _plain(values[field])
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


def _plain(value):
    """A field's value as a correction stores it (dates as ISO text, empty as None)."""
    if isinstance(value, date):
        return value.isoformat()
    return value if value not in ("", None) else None


def _stored(field: str, value):
    """A stored correction's value, back as the client row holds it."""
    if field == "birth_date" and value:
        return date.fromisoformat(value)
    return value


def proposed_changes(data_request: DataRequest) -> dict[str, list]:
    """field -> [value when asked, value proposed], in the form's order."""
    stored = json.loads(data_request.proposed or "{}")
    return {field: stored[field] for field in EDITABLE_FIELDS if field in stored}


# --- the download link ----------------------------------------------------------------


def _digest(token: str) -> str:
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
    if not hmac.compare_digest(data_request.download_digest, _digest(token)):
        return None
    if data_request.download_expires_at is None or data_request.download_expires_at <= utcnow():
        return None
    return data_request


def record_download(client: Client, data_request: DataRequest) -> None:
    """The client fetched their data: part of their history, as a staff export is."""
    with write_transaction():
        _record_by_client(client, "request.downloaded", data_request)


# --- deciding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Approval:
    request_id: int
    client_id: int
    actor: object
    note: str | None
    fields: tuple[str, ...]


def _require(actor, permission: Permission) -> None:
    if not can(actor, permission):
        raise PermissionError(f"{permission} is not allowed for this staff member")


def _clean_text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:DATA_REQUEST_REASON_MAX_LENGTH] or None


def _claim(data_request_id: int, status: str, actor, reason: str | None, **values) -> None:
    """Mark the request decided, if it is still open; AlreadyDecided otherwise."""
    result = db.session.execute(
        update(DataRequest)
        .where(DataRequest.id == data_request_id, DataRequest.status == "open")
        .values(
            status=status,
            decided_at=utcnow(),
            decided_by_id=actor.id,
            decision_reason=reason,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise AlreadyDecided()


def _decision_event(
    client: Client, data_request: DataRequest, verb: str, actor, reason, extra=None
):
    changes = {"request": [None, DATA_REQUEST_KINDS[data_request.kind]]}
    if reason:
        changes["request_reason"] = [None, reason]
    changes.update(extra or {})
    record(client, verb, actor, subject=data_request, changes=changes)


def client_address(client: Client) -> str | None:
    """Where the outcome goes: the client's email, else the one they sign in with."""
    if client.email:
        return client.email
    return db.session.scalar(
        select(ClientAccount.email).where(ClientAccount.client_id == client.id)
    )


def _outcome_email(
    client: Client,
    data_request: DataRequest,
    status: str,
    actor,
    reason: str | None,
    *,
    address: str | None = None,
    link: str | None = None,
    applied: dict | None = None,
    tied_to_client: bool = True,
) -> None:
    from app.mail.outbox import queue_email, render_email
    from app.portal.requests.forms import CLIENT_KIND_NAMES, CLIENT_LABELS

    address = address or client_address(client)
    if not address:
        return
    language = supported_language(client.preferred_language) or "en"
    subject, text, html = render_email(
        "requests_outcome",
        language,
        name=client.first_name,
        kind=data_request.kind,
        status=status,
        reason=reason,
        has_link=link is not None,
        expires_at=data_request.download_expires_at,
        applied=[field for field in EDITABLE_FIELDS if field in (applied or {})],
        labels=CLIENT_LABELS,
        kind_names=CLIENT_KIND_NAMES,
    )
    queue_email(
        to_address=address,
        to_name=client.full_name,
        kind="request_outcome",
        subject=subject,
        text=text,
        html=html,
        client_id=client.id if tied_to_client else None,
        secret_link=link,
        link_expires_at=data_request.download_expires_at if link else None,
        language=language,
        actor=actor,
    )


def _open_request(data_request_id: int) -> DataRequest:
    data_request = db.session.get(DataRequest, data_request_id, populate_existing=True)
    if data_request is None or data_request.status != "open":
        raise AlreadyDecided()
    return data_request


def decline(data_request: DataRequest, reason: str, actor) -> None:
    _require(actor, Permission.MANAGE_SETTINGS)
    reason = _clean_text(reason)
    if not reason:
        raise DecisionRefused("Say why the request is declined: the client reads it.")
    request_id = data_request.id
    with write_transaction():
        data_request = _open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        _claim(request_id, "declined", actor, reason)
        db.session.refresh(data_request)
        _decision_event(client, data_request, "request.declined", actor, reason)
        _outcome_email(client, data_request, "declined", actor, reason)


def approve_download(data_request: DataRequest, note: str | None, actor) -> None:
    _require(actor, Permission.MANAGE_SETTINGS)
    note = _clean_text(note)
    request_id = data_request.id
    with write_transaction():
        data_request = _open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        address = client_address(client)
        if not address:
            raise DecisionRefused(
                "This client has no email address, so the link cannot reach them. "
                "Add their email to the profile first."
            )
        token = secrets.token_urlsafe(32)
        _claim(
            request_id,
            "approved",
            actor,
            note,
            download_digest=_digest(token),
            download_expires_at=utcnow() + timedelta(days=DOWNLOAD_DAYS),
        )
        db.session.refresh(data_request)
        link = url_for(
            "portal.request_download", request_id=request_id, token=token, _external=True
        )  # the token in the query string: request logs leave it out
        _decision_event(client, data_request, "request.approved", actor, note)
        _outcome_email(client, data_request, "approved", actor, note, address=address, link=link)


def upcoming_sessions(client_id: int) -> tuple[int, object]:
    """How many sessions the client has ahead, and when the next one starts."""
    count, first = db.session.execute(
        select(func.count(Booking.id), func.min(Booking.starts_at)).where(
            Booking.client_id == client_id,
            Booking.starts_at >= utcnow(),
            Booking.status.in_(UPCOMING_STATUSES),
            Booking.removed_at.is_(None),
        )
    ).one()
    return count, first


def may_approve_deletion(actor) -> bool:
    return can(actor, Permission.ERASE_CLIENTS)


def approve_deletion(data_request: DataRequest, note: str | None, actor) -> None:
    """Erase the client (only an owner may), unless they have sessions ahead."""
    _require(actor, Permission.MANAGE_SETTINGS)
    _require(actor, Permission.ERASE_CLIENTS)
    note = _clean_text(note)
    request_id = data_request.id
    with write_transaction():
        data_request = _open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        _lock_client(client)
        if client.is_erased:
            raise AlreadyDecided()
        count, _first = upcoming_sessions(client.id)
        if count:
            raise DecisionRefused(
                f"{client.full_name} has {count} upcoming "
                f"session{'s' if count != 1 else ''}. Cancel "
                f"{'them' if count != 1 else 'it'} first, or decline the request and say why."
            )
        _claim(request_id, "approved", actor, note)
        db.session.refresh(data_request)
        _decision_event(client, data_request, "request.approved", actor, note)
        # Before the erasure: it removes the address and the client's messages.
        _outcome_email(client, data_request, "approved", actor, note, tied_to_client=False)
        client_ops.wipe_client(client, actor)
        erasure_ledger.erased_after_commit(client)


def approve_correction(
    data_request: DataRequest,
    fields: list[str],
    note: str | None,
    actor,
    seen_version: int | None = None,
) -> dict:
    """Apply the accepted fields through the client edit path; returns what changed.

    The edit (its rules, version and audit, with the request as its subject) and the
    decision are one transaction. `seen_version` is the client's version on the page
    staff approved from: a field changed since then raises clients.ops.EditConflict and
    nothing is written."""
    _require(actor, Permission.MANAGE_SETTINGS)
    note = _clean_text(note)
    if data_request.status != "open":
        raise AlreadyDecided()
    proposed = proposed_changes(data_request)
    accepted = tuple(field for field in proposed if field in fields)
    if not accepted:
        raise DecisionRefused("Tick at least one field to apply, or decline the request.")
    client = db.session.get(Client, data_request.client_id)
    values = {field: _stored(field, proposed[field][1]) for field in accepted}
    approval = _Approval(data_request.id, client.id, actor, note, accepted)
    try:
        with write_transaction():
            data_request = _open_request(approval.request_id)
            changes = client_ops.apply_client_update(
                client, values, actor, expected_version=seen_version, on_behalf_of=data_request
            )
            _claim_correction(client, data_request, approval, changes)
    except client_ops.ProfileReadOnly as error:
        raise DecisionRefused(
            "This profile is in the trash: restore it before changing its details."
        ) from error
    except client_ops.ProfileLocked as error:
        raise DecisionRefused(
            "This profile is locked: someone allowed to edit locked profiles must "
            "approve the correction."
        ) from error
    return changes


def _claim_correction(client, data_request, approval: _Approval, changes: dict) -> None:
    _claim(approval.request_id, "approved", approval.actor, approval.note)
    db.session.refresh(data_request)
    _decision_event(
        client,
        data_request,
        "request.approved",
        approval.actor,
        approval.note,
        {
            "applied_fields": [
                None,
                [FIELD_LABELS[field] for field in approval.fields if field in changes],
            ]
        },
    )
    _outcome_email(client, data_request, "approved", approval.actor, approval.note, applied=changes)
