"""Staff decide a data-rights request: decline it, approve a download or a deletion;
and what every decision shares (claiming the request, its timeline event, the outcome
email to the client).

Each decision is one transaction, with its timeline event and the outcome email to the
client in the same transaction.

A decision claims the request with a conditional UPDATE (status still "open"): of two
staff deciding at once, the second finds it decided and nothing of theirs is written.

- An approved download gets a link that expires (DOWNLOAD_DAYS); only its SHA-256 is
  kept, the link itself leaves in the email as its secret link.
- An approved deletion runs the erasure (clients.ops.wipe_client) in the decision's
  transaction, after the outcome email is queued: the erasure removes the address and
  the client's messages, so that one email is not tied to the client (client_id None).
"""

import secrets
from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select, update

from app.clients.api import wipe_client
from app.core import erasure_ledger
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.i18n import supported_language
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.models import (
    DATA_REQUEST_KINDS,
    EDITABLE_FIELDS,
    Booking,
    Client,
    ClientAccount,
    DataRequest,
    utcnow,
)
from app.models.portal import DATA_REQUEST_REASON_MAX_LENGTH
from app.portal.requests.asking import link_digest, lock_client

DOWNLOAD_DAYS = 7
# Sessions that still hold a place: while the client has one ahead, no deletion.
UPCOMING_STATUSES = ("pending", "confirmed", "waitlisted")


class AlreadyDecided(Exception):
    """Someone decided the request first (or the client was erased meanwhile)."""


class DecisionRefused(Exception):
    """A decision that cannot be made as it stands; the message is for staff."""


def require_permission(actor, permission: Permission) -> None:
    if not can(actor, permission):
        raise PermissionError(f"{permission} is not allowed for this staff member")


def clean_text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:DATA_REQUEST_REASON_MAX_LENGTH] or None


def claim(data_request_id: int, status: str, actor, reason: str | None, **values) -> None:
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


def decision_event(client: Client, data_request: DataRequest, verb: str, actor, reason, extra=None):
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


def outcome_email(
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
    from app.mail.api import queue_email, render_email
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


def open_request(data_request_id: int) -> DataRequest:
    data_request = db.session.get(DataRequest, data_request_id, populate_existing=True)
    if data_request is None or data_request.status != "open":
        raise AlreadyDecided()
    return data_request


def decline(data_request: DataRequest, reason: str, actor) -> None:
    require_permission(actor, Permission.MANAGE_SETTINGS)
    reason = clean_text(reason)
    if not reason:
        raise DecisionRefused("Say why the request is declined: the client reads it.")
    request_id = data_request.id
    with write_transaction():
        data_request = open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        claim(request_id, "declined", actor, reason)
        db.session.refresh(data_request)
        decision_event(client, data_request, "request.declined", actor, reason)
        outcome_email(client, data_request, "declined", actor, reason)


def approve_download(data_request: DataRequest, note: str | None, actor) -> None:
    require_permission(actor, Permission.MANAGE_SETTINGS)
    note = clean_text(note)
    request_id = data_request.id
    with write_transaction():
        data_request = open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        address = client_address(client)
        if not address:
            raise DecisionRefused(
                "This client has no email address, so the link cannot reach them. "
                "Add their email to the profile first."
            )
        token = secrets.token_urlsafe(32)
        claim(
            request_id,
            "approved",
            actor,
            note,
            download_digest=link_digest(token),
            download_expires_at=utcnow() + timedelta(days=DOWNLOAD_DAYS),
        )
        db.session.refresh(data_request)
        link = url_for(
            "portal.request_download", request_id=request_id, token=token, _external=True
        )  # the token in the query string: request logs leave it out
        decision_event(client, data_request, "request.approved", actor, note)
        outcome_email(client, data_request, "approved", actor, note, address=address, link=link)


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
    require_permission(actor, Permission.MANAGE_SETTINGS)
    require_permission(actor, Permission.ERASE_CLIENTS)
    note = clean_text(note)
    request_id = data_request.id
    with write_transaction():
        data_request = open_request(request_id)
        client = db.session.get(Client, data_request.client_id)
        lock_client(client)
        if client.is_erased:
            raise AlreadyDecided()
        count, _first = upcoming_sessions(client.id)
        if count:
            raise DecisionRefused(
                f"{client.full_name} has {count} upcoming "
                f"session{'s' if count != 1 else ''}. Cancel "
                f"{'them' if count != 1 else 'it'} first, or decline the request and say why."
            )
        claim(request_id, "approved", actor, note)
        db.session.refresh(data_request)
        decision_event(client, data_request, "request.approved", actor, note)
        # Before the erasure: it removes the address and the client's messages.
        outcome_email(client, data_request, "approved", actor, note, tied_to_client=False)
        wipe_client(client, actor)
        erasure_ledger.erased_after_commit(client)
