"""What credits add to the rest of the app: the timeline's words for their fields, the
Credits box on the Overview, a grant's last day for the templates, the credits' section
of the one-client export, and the balance a merge recomputes."""

from datetime import datetime

from sqlalchemy import case, func, insert, select, update

from app.accounts.credits.box import credits_box, credits_box_of, with_credits_box
from app.accounts.credits.ledger import KEPT_TOTALS, LEDGER_TOTALS, last_day
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import OverviewCard, ProfileColumns
from app.core.templating import local_date
from app.models import Service, StaffMember, utcnow
from app.models.accounts import (
    BookingCredit,
    ClientCreditBalance,
    CreditGrant,
    CreditLedgerEntry,
    credit_grant_services,
)

CREDIT_FIELD_LABELS = {"credits": "Credits", "expires": "Expires after"}


# --- the Credits box ------------------------------------------------------------------


def _card_load(client) -> dict:
    return credits_box(client.id)


CREDITS_CARD = OverviewCard(
    "credits",
    "accounts/_credits_card.html",
    order=20,
    load=_card_load,
    queries=1,
    shown=lambda client: not getattr(client, "is_erased", False),
    columns=ProfileColumns(with_credits_box, credits_box_of),
)


def last_day_text(expires_at: datetime) -> str:
    """A grant's last day, in the business's words (it expires at the midnight after)."""
    return local_date(last_day(expires_at))


# --- the one-client export ----------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _staff_names() -> dict[int, str]:
    return dict(db.session.execute(select(StaffMember.id, StaffMember.name)).all())


def _export_credits(client) -> dict:
    names = _staff_names()
    balance = db.session.scalar(
        select(ClientCreditBalance.balance).where(ClientCreditBalance.client_id == client.id)
    )
    grants = db.session.scalars(
        select(CreditGrant)
        .where(CreditGrant.client_id == client.id)
        .order_by(CreditGrant.created_at, CreditGrant.id)
    ).all()
    ledger = db.session.scalars(
        select(CreditLedgerEntry)
        .where(CreditLedgerEntry.client_id == client.id)
        .order_by(CreditLedgerEntry.created_at, CreditLedgerEntry.id)
    ).all()
    sessions = db.session.scalars(
        select(BookingCredit)
        .where(BookingCredit.client_id == client.id)
        .order_by(BookingCredit.booking_id)
    ).all()
    # The services a grant issued for chosen services pays for (none listed: every one).
    services: dict[int, list[str]] = {}
    for grant_id, name in db.session.execute(
        select(credit_grant_services.c.grant_id, Service.name)
        .join(Service, Service.id == credit_grant_services.c.service_id)
        .join(CreditGrant, CreditGrant.id == credit_grant_services.c.grant_id)
        .where(CreditGrant.client_id == client.id)
        .order_by(Service.name)
    ):
        services.setdefault(grant_id, []).append(name)
    return {
        "balance": balance or 0,
        "grants": [
            {
                "source": grant.source,
                "quantity": grant.quantity,
                "remaining": grant.remaining,
                "period_start": _iso(grant.period_start),
                "expires_at": _iso(grant.expires_at),
                "reason": grant.reason,
                "services": services.get(grant.id, []),
                "revoked_at": _iso(grant.revoked_at),
                "expired_at": _iso(grant.expired_at),
                "created_at": _iso(grant.created_at),
            }
            for grant in grants
        ],
        "ledger": [
            {
                "at": _iso(entry.created_at),
                "kind": entry.kind,
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "reason": entry.reason,
                "session_id": entry.booking_id,
                "by": names.get(entry.actor_id),
            }
            for entry in ledger
        ],
        "sessions": [{"session_id": row.booking_id, "status": row.status} for row in sessions],
    }


CREDITS_EXPORT = ExportSection(
    "credits",
    _export_credits,
    tables=("credit_grants", "credit_ledger", "client_credit_balances", "booking_credits"),
)


# --- the merge ----------------------------------------------------------------------


def refresh_balance(client_id: int) -> None:
    """The client's balance and the ledger's totals as sums of their ledger. A merge
    moves the ledger rows of both profiles to the survivor, so its one balance row is
    the two added (and an undo gives each profile back its own)."""
    entry = CreditLedgerEntry

    def total(*kinds):
        amount = entry.amount if not kinds else case((entry.kind.in_(kinds), entry.amount), else_=0)
        return (
            select(func.coalesce(func.sum(amount), 0))
            .where(entry.client_id == client_id)
            .scalar_subquery()
        )

    sums = {"balance": total()}
    for column in KEPT_TOTALS:
        sums[column] = total(*(kind for kind, kept in LEDGER_TOTALS.items() if kept == column))
    changed = db.session.execute(
        update(ClientCreditBalance)
        .where(ClientCreditBalance.client_id == client_id)
        .values(**sums, updated_at=utcnow())
    ).rowcount
    if not changed and db.session.scalar(
        select(CreditLedgerEntry.id).where(CreditLedgerEntry.client_id == client_id).limit(1)
    ):
        db.session.execute(
            insert(ClientCreditBalance).values(client_id=client_id, **sums, updated_at=utcnow())
        )


CREDIT_ROW_WORDS = {
    "credit_grants": ("grant of credits", "grants of credits"),
    "credit_ledger": ("credit ledger entry", "credit ledger entries"),
    "booking_credits": ("session paid with credits", "sessions paid with credits"),
}
