"""Staff adjusting a client's credits: "Issue credits" and "Revoke", each in one
transaction through the ledger (app.accounts.credits.ledger). Adjustments are on the
staff timeline only: nothing here emails or notifies the client."""

from datetime import datetime

from sqlalchemy import select

from app.accounts.credits.forms import IssueValues
from app.accounts.credits.ledger import credit_expiry_instant, grant_credits, revoke_grant
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.models import Client, Service
from app.models.accounts import CreditGrant


class CreditsRefused(ValueError):
    """Input the rules refuse: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def writable_client(client_id: int) -> Client:
    """A client whose credits may change: not in the trash, erased or merged."""
    client = db.session.get(Client, client_id, populate_existing=True)
    if client is None or not client.takes_new_records:
        raise LookupError(client_id)
    return client


def issue_credits(client_id: int, values: IssueValues, actor, now: datetime | None = None):
    """Staff give the client credits that last until the end of `values.last_day`."""
    if not can(actor, Permission.ADJUST_CREDITS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        client = writable_client(client_id)
        if values.service_ids:
            known = db.session.scalars(
                select(Service.id).where(Service.id.in_(values.service_ids))
            ).all()
            if len(known) != len(values.service_ids):
                raise CreditsRefused({"services": "Choose services from the list."})
        return grant_credits(
            client,
            values.quantity,
            credit_expiry_instant(values.last_day),
            "issued",
            actor,
            reason=values.reason,
            now=now,
            service_ids=values.service_ids,
        )


def revoke_credits(
    client_id: int, grant_id: int, reason: str, actor, now: datetime | None = None
) -> int:
    """Staff take back what is left of one grant; how many credits."""
    if not can(actor, Permission.ADJUST_CREDITS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        writable_client(client_id)
        grant = db.session.get(CreditGrant, grant_id)
        if grant is None or grant.client_id != client_id:
            raise LookupError(grant_id)
        return revoke_grant(grant, reason, actor, now=now)
