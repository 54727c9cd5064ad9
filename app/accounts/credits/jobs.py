"""The hourly credits job: each membership's credits granted for every period that has
started (once: a unique index), then what is past its expiry expired. Both steps are
idempotent and safe beside a second run."""

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.credits.ledger import (
    client_of,
    credit_expiry_instant,
    grant_credits,
    write_ledger,
)
from app.accounts.dates import add_periods
from app.core.areas import HourlyTask
from app.core.clock import business_zone
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.timeline import record
from app.models import Client, utcnow
from app.models.accounts import CreditGrant, Membership, MembershipPlan

# --- recurring credits ----------------------------------------------------------------


def _period_grants(membership: Membership, plan: MembershipPlan, today: date):
    """(period_start, last_day) of each period of the membership that has started."""
    k = 0
    while True:
        start = add_periods(membership.starts_on, plan.billing_period, k)
        if start > today:
            return
        if membership.ends_on is not None and start > membership.ends_on:
            return
        period_last = add_periods(membership.starts_on, plan.billing_period, k + 1) - timedelta(
            days=1
        )
        last_day = (
            start + timedelta(days=plan.credit_expiry_days - 1)
            if plan.credit_expiry_days
            else period_last
        )
        paused = (
            membership.paused_from is not None
            and membership.paused_until is not None
            and membership.paused_from <= start <= membership.paused_until
        )
        if not paused:
            yield start, last_day
        k += 1


def grant_recurring(now: datetime | None = None) -> int:
    """Give every active (not paused) membership its plan's credits for each period that
    has started and has none yet; how many grants. Idempotent: one grant per period (a
    unique index), so a second run, even beside the first, grants nothing twice. A period
    whose credits would already have expired is skipped."""
    now = now or utcnow()
    today = now.astimezone(business_zone()).date()
    rows = db.session.execute(
        select(Membership.id, Membership.plan_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(
            Membership.status == "active",
            Membership.kind == "membership",
            MembershipPlan.credits > 0,
            MembershipPlan.billing_period.is_not(None),
        )
        .order_by(Membership.id)
    ).all()
    db.session.rollback()
    granted = 0
    for membership_id, _plan_id in rows:
        granted += _grant_membership_periods(membership_id, today, now)
    return granted


def _grant_membership_periods(membership_id: int, today: date, now: datetime) -> int:
    try:
        with write_transaction():
            membership = db.session.get(Membership, membership_id, populate_existing=True)
            if membership is None or membership.status != "active":
                return 0
            plan = db.session.get(MembershipPlan, membership.plan_id)
            client = db.session.get(Client, membership.client_id)
            if client is None or not client.takes_new_records:
                return 0
            done = set(
                db.session.scalars(
                    select(CreditGrant.period_start).where(
                        CreditGrant.membership_id == membership_id,
                        CreditGrant.period_start.is_not(None),
                    )
                )
            )
            granted = 0
            for start, last_day in _period_grants(membership, plan, today):
                if start in done:
                    continue
                expires_at = credit_expiry_instant(last_day)
                if expires_at <= now:
                    continue
                grant_credits(
                    client,
                    plan.credits,
                    expires_at,
                    "membership",
                    None,
                    membership_id=membership_id,
                    period_start=start,
                    reason=plan.name,
                    now=now,
                )
                granted += 1
            return granted
    except IntegrityError:
        # Another run granted these periods meanwhile (the unique index): nothing to do.
        return 0


def run_credit_jobs(now: datetime | None = None) -> tuple[int, int]:
    """The scheduled step: recurring grants, then expiry. (grants, credits expired)."""
    now = now or utcnow()
    return grant_recurring(now), expire_due(now)


CREDIT_JOBS_TASK = HourlyTask("hourly_credits", 5, run_credit_jobs)


# --- expiry ---------------------------------------------------------------------------

EXPIRE_BATCH = 200


def expire_due(now: datetime | None = None) -> int:
    """Expire what is left on every grant past its expiry, one transaction per grant
    (a job step: idempotent, safe beside a second run). How many credits expired."""
    now = now or utcnow()
    due = (
        select(CreditGrant.id)
        .where(
            CreditGrant.expires_at <= now,
            CreditGrant.remaining > 0,
            CreditGrant.revoked_at.is_(None),
            CreditGrant.expired_at.is_(None),
        )
        .order_by(CreditGrant.id)
        .limit(EXPIRE_BATCH)
    )
    expired = 0
    while True:
        ids = db.session.scalars(due).all()
        db.session.rollback()
        if not ids:
            return expired
        for grant_id in ids:
            expired += _expire_one(grant_id, now)


def _expire_one(grant_id: int, now: datetime) -> int:
    with write_transaction():
        grant = db.session.get(CreditGrant, grant_id, with_for_update=True, populate_existing=True)
        if grant is None:
            return 0
        n = grant.remaining
        result = db.session.execute(
            update(CreditGrant)
            .where(
                CreditGrant.id == grant_id,
                CreditGrant.remaining == n,
                CreditGrant.remaining > 0,
                CreditGrant.revoked_at.is_(None),
                CreditGrant.expired_at.is_(None),
            )
            .values(remaining=0, expired_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return 0
        db.session.refresh(grant)
        write_ledger(grant.client_id, "expire", -n, None, now, grant_id=grant.id)
        record(
            client_of(grant.client_id),
            "credits.expired",
            None,
            subject=grant,
            changes={"credits": [n, 0]},
            at=now,
        )
        return n
