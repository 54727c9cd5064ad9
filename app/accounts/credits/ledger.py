"""The credit ledger: the one writer of a client's credits. A session's credit
(redeeming.py) and the expiry (jobs.py) write through `write_ledger` here too.

Every function here works in the CALLER's write transaction (`with write_transaction():`)
and never commits; jobs.py's `expire_due`, a job step, opens its own transactions.

- `credit_expiry_instant(last_day) -> datetime`: the UTC instant of midnight at the END
  of that business-local day (the business time zone; correct across daylight saving).
- `grant_credits(client, quantity, expires_at, source, actor, *, membership_id=None,
  period_start=None, reason=None, service_ids=()) -> CreditGrant`: a CreditGrant row,
  the balance raised, a ledger row ("grant"; "adjust" when source is "issued") and a
  timeline event ("credits.granted"; "credits.issued" when issued by staff).
  `service_ids`: the services the credits pay for (none: every service; a plan's grant
  follows its plan's services).
- `revoke_grant(grant, reason, actor, now=None) -> int`: takes every credit left on the
  grant (a ledger "revoke" row, "credits.revoked"); returns how many. Raises
  `NothingToRevoke` when none is left (redeemed, expired or revoked already).
- redeeming.py `redeem_credit(client_id, service_id, booking_id, actor, now) ->
  CreditGrant | None`: one credit for a session from the covering grant that expires
  first (ledger "redeem" −1 with the booking, the BookingCredit "redeemed",
  "credits.redeemed"); None when no grant covers it (nothing written). A session
  already paid keeps its credit.
- redeeming.py `return_credit(booking_credit, actor, now)`: the session's credit goes
  back to its grant (ledger "return" +1, status "returned", "credits.returned"); a grant
  revoked or expired meanwhile takes nothing back (the credit would have lapsed with it).
- redeeming.py `forfeit_credit(booking_credit, actor)`: the credit stays used (status
  "forfeited", "credits.forfeited"; no ledger change: it was taken when redeemed).
- jobs.py `expire_due(now) -> int`: grants past their expiry lose what they have left
  (ledger "expire", "credits.expired"), one transaction per grant; returns how many
  credits.
- `redeemable(client_id, now) -> int`: credits usable now (grants neither revoked nor
  expired, with some remaining); `balance_of(client_id) -> int`: the kept balance.

The balance (ClientCreditBalance) changes only through one atomic statement, INSERT …
ON CONFLICT (client_id) DO UPDATE SET balance = balance + excluded.balance RETURNING
balance, never read, add and write back; each ledger row stores its signed amount and
the balance that statement returned. The same statement adds the amount to the total of
its kind (LEDGER_TOTALS: redeemed, revoked, expired) that the Credits box shows.
A grant's `remaining` falls only by a conditional UPDATE (WHERE remaining >= n), so two
staff redeeming or revoking at once can never take the same credit twice. On PostgreSQL
the grant is also locked (FOR UPDATE) before it is chosen; on SQLite write_transaction's
BEGIN IMMEDIATE already lets one writer in at a time.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import bindparam, func, insert, select, update

from app.core.clock import business_zone
from app.core.extensions import db
from app.core.templating import local_date
from app.core.timeline import record
from app.models import Client, utcnow
from app.models.accounts import (
    ClientCreditBalance,
    CreditGrant,
    CreditLedgerEntry,
    credit_grant_services,
)

__all__ = [
    "KEPT_TOTALS",
    "LEDGER_TOTALS",
    "NothingToRevoke",
    "balance_of",
    "client_of",
    "credit_expiry_instant",
    "grant_credits",
    "last_day",
    "redeemable",
    "revoke_grant",
    "take_from_grant",
    "write_ledger",
]


class NothingToRevoke(ValueError):
    """The grant has no credit left to revoke (redeemed, expired or revoked already)."""


def credit_expiry_instant(last_day: date) -> datetime:
    """Midnight at the end of `last_day` in the business time zone, as a UTC instant."""
    local_midnight = datetime.combine(last_day + timedelta(days=1), time(0), business_zone())
    return local_midnight.astimezone(UTC)


def _actor_id(actor) -> int | None:
    if actor is not None and getattr(actor, "is_authenticated", True):
        return getattr(actor, "id", None)
    return None


# The kept total (a column of ClientCreditBalance) each kind of ledger row adds to.
LEDGER_TOTALS = {
    "redeem": "redeemed",
    "return": "redeemed",
    "revoke": "revoked",
    "expire": "expired",
}
# Those columns, in the order the Credits box shows them.
KEPT_TOTALS = tuple(dict.fromkeys(LEDGER_TOTALS.values()))


@cache
def _balance_upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(ClientCreditBalance).values(
        client_id=bindparam("client_id"),
        balance=bindparam("delta"),
        updated_at=bindparam("now"),
        **{total: bindparam(total) for total in KEPT_TOTALS},
    )
    table = ClientCreditBalance.__table__.c
    return statement.on_conflict_do_update(
        index_elements=["client_id"],
        set_={
            "balance": table.balance + statement.excluded.balance,
            "updated_at": statement.excluded.updated_at,
            **{total: table[total] + statement.excluded[total] for total in KEPT_TOTALS},
        },
    ).returning(table.balance)


def _change_balance(client_id: int, kind: str, delta: int, now: datetime) -> int:
    """Add `delta` to the client's balance (and to the total of its kind) in one
    statement; the balance after it."""
    parameters = {"client_id": client_id, "delta": delta, "now": now}
    parameters |= {total: 0 for total in KEPT_TOTALS}
    if kind in LEDGER_TOTALS:
        parameters[LEDGER_TOTALS[kind]] = delta
    return (
        db.session.connection()
        .execute(_balance_upsert(db.engine.dialect.name), parameters)
        .scalar_one()
    )


def write_ledger(
    client_id: int,
    kind: str,
    amount: int,
    actor,
    now: datetime,
    *,
    grant_id: int | None = None,
    booking_id: int | None = None,
    reason: str | None = None,
) -> CreditLedgerEntry:
    balance_after = _change_balance(client_id, kind, amount, now)
    entry = CreditLedgerEntry(
        client_id=client_id,
        grant_id=grant_id,
        booking_id=booking_id,
        kind=kind,
        amount=amount,
        balance_after=balance_after,
        reason=reason,
        actor_id=_actor_id(actor),
        created_at=now,
    )
    db.session.add(entry)
    return entry


def take_from_grant(grant_id: int, n: int) -> bool:
    """Take `n` credits off a live grant; False when it has fewer left (a colleague took
    them first)."""
    result = db.session.execute(
        update(CreditGrant)
        .where(
            CreditGrant.id == grant_id,
            CreditGrant.remaining >= n,
            CreditGrant.revoked_at.is_(None),
            CreditGrant.expired_at.is_(None),
        )
        .values(remaining=CreditGrant.remaining - n)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def client_of(client_or_id) -> Client:
    if isinstance(client_or_id, Client):
        return client_or_id
    client = db.session.get(Client, client_or_id)
    if client is None:
        raise LookupError(client_or_id)
    return client


def _quantity_label(n: int) -> str:
    return f"{n} credit" if n == 1 else f"{n} credits"


# --- granting -------------------------------------------------------------------------


def grant_credits(
    client: Client,
    quantity: int,
    expires_at: datetime,
    source: str,
    actor,
    *,
    membership_id: int | None = None,
    period_start: date | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    service_ids=(),
) -> CreditGrant:
    """Give `client` `quantity` credits that expire at `expires_at`, in the caller's
    transaction: the grant, the balance, the ledger and the timeline."""
    if quantity < 1:
        raise ValueError("a grant gives at least one credit")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be an aware datetime")
    now = now or utcnow()
    grant = CreditGrant(
        client_id=client.id,
        membership_id=membership_id,
        source=source,
        quantity=quantity,
        remaining=quantity,
        period_start=period_start,
        expires_at=expires_at,
        reason=reason,
        created_by_id=_actor_id(actor),
        created_at=now,
    )
    db.session.add(grant)
    db.session.flush()
    if service_ids:
        db.session.execute(
            insert(credit_grant_services),
            [{"grant_id": grant.id, "service_id": sid} for sid in sorted(set(service_ids))],
        )
    issued = source == "issued"
    write_ledger(
        client.id,
        "adjust" if issued else "grant",
        quantity,
        actor,
        now,
        grant_id=grant.id,
        reason=reason,
    )
    changes = {"credits": [None, quantity], "expires": [None, _expiry_text(expires_at)]}
    if reason:
        changes["reason"] = [None, reason]
    record(
        client,
        "credits.issued" if issued else "credits.granted",
        actor,
        subject=grant,
        changes=changes,
        at=now,
    )
    return grant


def last_day(expires_at: datetime) -> date:
    """The business-local last day of a grant expiring at `expires_at`."""
    return (expires_at.astimezone(business_zone()) - timedelta(microseconds=1)).date()


def _expiry_text(expires_at: datetime) -> str:
    """The grant's last day, as the timeline quotes it (in the business's words)."""
    return local_date(last_day(expires_at))


# --- revoking -------------------------------------------------------------------------


def revoke_grant(grant: CreditGrant, reason: str, actor, now: datetime | None = None) -> int:
    """Take every credit left on the grant; how many were taken."""
    now = now or utcnow()
    locked = db.session.get(CreditGrant, grant.id, with_for_update=True, populate_existing=True)
    if locked is None:
        raise LookupError(grant.id)
    n = locked.remaining
    if n < 1 or locked.revoked_at is not None or locked.expired_at is not None:
        raise NothingToRevoke("This grant has no credits left to revoke.")
    if locked.expires_at <= now:
        raise NothingToRevoke("These credits have expired: there is nothing left to revoke.")
    result = db.session.execute(
        update(CreditGrant)
        .where(CreditGrant.id == locked.id, CreditGrant.remaining == n)
        .where(CreditGrant.revoked_at.is_(None), CreditGrant.expired_at.is_(None))
        .values(remaining=0, revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NothingToRevoke("This grant has no credits left to revoke.")
    db.session.refresh(locked)
    write_ledger(locked.client_id, "revoke", -n, actor, now, grant_id=locked.id, reason=reason)
    record(
        client_of(locked.client_id),
        "credits.revoked",
        actor,
        subject=locked,
        changes={"credits": [n, 0], "reason": [None, reason]},
        at=now,
    )
    return n


# --- reading --------------------------------------------------------------------------


def redeemable(client_id: int, now: datetime) -> int:
    """Credits the client can use now."""
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditGrant.remaining), 0)).where(
            CreditGrant.client_id == client_id,
            CreditGrant.remaining > 0,
            CreditGrant.revoked_at.is_(None),
            CreditGrant.expired_at.is_(None),
            CreditGrant.expires_at > now,
        )
    )


def balance_of(client_id: int) -> int:
    """The client's kept balance (every credit not yet redeemed, revoked or expired by
    the job)."""
    return (
        db.session.scalar(
            select(ClientCreditBalance.balance).where(ClientCreditBalance.client_id == client_id)
        )
        or 0
    )
