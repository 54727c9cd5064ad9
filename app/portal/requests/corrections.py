"""Approving a client's suggested correction: the accepted fields go through the
client edit path (clients.ops' apply_client_update: its rules, version and audit) in the
decision's transaction, so the edit and the decision commit or roll back together; the
edit's event names the request as its subject.
"""

from dataclasses import dataclass
from datetime import date

from app.clients.api import ProfileLocked, ProfileReadOnly, apply_client_update
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission
from app.models import FIELD_LABELS, Client, DataRequest
from app.portal.requests.asking import proposed_changes
from app.portal.requests.deciding import (
    AlreadyDecided,
    DecisionRefused,
    claim,
    clean_text,
    decision_event,
    open_request,
    outcome_email,
    require_permission,
)


def _stored(field: str, value):
    """A stored correction's value, back as the client row holds it."""
    if field == "birth_date" and value:
        return date.fromisoformat(value)
    return value


@dataclass(frozen=True)
class _Approval:
    request_id: int
    client_id: int
    actor: object
    note: str | None
    fields: tuple[str, ...]


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
    require_permission(actor, Permission.MANAGE_SETTINGS)
    note = clean_text(note)
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
            data_request = open_request(approval.request_id)
            changes = apply_client_update(
                client, values, actor, expected_version=seen_version, on_behalf_of=data_request
            )
            _claim_correction(client, data_request, approval, changes)
    except ProfileReadOnly as error:
        raise DecisionRefused(
            "This profile is in the trash: restore it before changing its details."
        ) from error
    except ProfileLocked as error:
        raise DecisionRefused(
            "This profile is locked: someone allowed to edit locked profiles must "
            "approve the correction."
        ) from error
    return changes


def _claim_correction(client, data_request, approval: _Approval, changes: dict) -> None:
    claim(approval.request_id, "approved", approval.actor, approval.note)
    db.session.refresh(data_request)
    decision_event(
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
    outcome_email(client, data_request, "approved", approval.actor, approval.note, applied=changes)
