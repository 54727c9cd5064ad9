"""A session's credit: redeemed from the covering grant that expires first when it is
booked, given back to its grant when it is cancelled in time, forfeited (kept used) when
it is cancelled late or missed. Each works in the CALLER's write transaction and writes
the ledger through app.accounts.credits.ledger."""

from datetime import datetime

from sqlalchemy import and_, exists, or_, select, update

from app.accounts.credits.ledger import client_of, take_from_grant, write_ledger
from app.core.extensions import db
from app.core.timeline import record
from app.models import utcnow
from app.models.accounts import (
    BookingCredit,
    CreditGrant,
    Membership,
    credit_grant_services,
    plan_services,
)


def covers(service_id):
    """The condition that a grant pays for the service: a grant that lists services
    covers those; else a grant of a plan follows the plan's (none listed: all), and a
    grant made outside any plan covers every service."""
    own = select(credit_grant_services.c.grant_id).where(
        credit_grant_services.c.grant_id == CreditGrant.id
    )
    listed = select(plan_services.c.plan_id).where(plan_services.c.plan_id == Membership.plan_id)
    plan_covers = exists(
        select(Membership.id).where(
            Membership.id == CreditGrant.membership_id,
            or_(
                ~exists(listed),
                exists(listed.where(plan_services.c.service_id == service_id)),
            ),
        )
    )
    return or_(
        exists(own.where(credit_grant_services.c.service_id == service_id)),
        and_(~exists(own), or_(CreditGrant.membership_id.is_(None), plan_covers)),
    )


def live_grants(client_id: int, now: datetime):
    """A query of the client's grants usable now, the one expiring first first."""
    return (
        select(CreditGrant)
        .where(
            CreditGrant.client_id == client_id,
            CreditGrant.remaining > 0,
            CreditGrant.revoked_at.is_(None),
            CreditGrant.expired_at.is_(None),
            CreditGrant.expires_at > now,
        )
        .order_by(CreditGrant.expires_at, CreditGrant.id)
    )


def redeem_credit(
    client_id: int, service_id: int, booking_id: int, actor, now: datetime, *, new=False
) -> CreditGrant | None:
    """One credit for the session from the covering grant that expires first; None when
    no grant covers it (nothing is written then). `new`: the booking was just made, so
    nothing paid for it yet (saves a look-up)."""
    existing = None if new else db.session.get(BookingCredit, booking_id, populate_existing=True)
    if existing is not None and existing.status == "redeemed":
        return db.session.get(CreditGrant, existing.grant_id) if existing.grant_id else None
    candidates = live_grants(client_id, now).where(covers(service_id))
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(of=CreditGrant)
    # Tried in order; a grant emptied by a colleague meanwhile fails its conditional
    # UPDATE and the next one is taken.
    for grant in db.session.scalars(candidates.limit(5)).all():
        if not take_from_grant(grant.id, 1):
            continue
        db.session.refresh(grant)
        write_ledger(client_id, "redeem", -1, actor, now, grant_id=grant.id, booking_id=booking_id)
        if existing is None:
            db.session.add(
                BookingCredit(
                    booking_id=booking_id,
                    client_id=client_id,
                    grant_id=grant.id,
                    status="redeemed",
                    updated_at=now,
                )
            )
        else:
            existing.grant_id = grant.id
            existing.status = "redeemed"
            existing.updated_at = now
        record(
            client_of(client_id),
            "credits.redeemed",
            actor,
            subject=grant,
            changes={"credits": [grant.remaining + 1, grant.remaining]},
            at=now,
        )
        return grant
    return None


def return_credit(booking_credit: BookingCredit, actor, now: datetime) -> bool:
    """Give the session's credit back to its grant; True when a credit came back."""
    if booking_credit.status != "redeemed":
        return False
    booking_credit.status = "returned"
    booking_credit.updated_at = now
    grant = (
        db.session.get(CreditGrant, booking_credit.grant_id, with_for_update=True)
        if booking_credit.grant_id
        else None
    )
    came_back = False
    if grant is not None and grant.revoked_at is None and grant.expired_at is None:
        result = db.session.execute(
            update(CreditGrant)
            .where(
                CreditGrant.id == grant.id,
                CreditGrant.revoked_at.is_(None),
                CreditGrant.expired_at.is_(None),
                CreditGrant.remaining < CreditGrant.quantity,
            )
            .values(remaining=CreditGrant.remaining + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            db.session.refresh(grant)
            write_ledger(
                booking_credit.client_id,
                "return",
                1,
                actor,
                now,
                grant_id=grant.id,
                booking_id=booking_credit.booking_id,
            )
            came_back = True
    record(
        client_of(booking_credit.client_id),
        "credits.returned",
        actor,
        subject=grant,
        changes={"credits": [None, 1 if came_back else 0]},
        at=now,
    )
    return came_back


def forfeit_credit(booking_credit: BookingCredit, actor, now: datetime | None = None) -> bool:
    """The session's credit stays used (a late cancellation or a no-show)."""
    if booking_credit.status != "redeemed":
        return False
    now = now or utcnow()
    booking_credit.status = "forfeited"
    booking_credit.updated_at = now
    grant_id = booking_credit.grant_id
    grant = db.session.get(CreditGrant, grant_id) if grant_id else None
    record(client_of(booking_credit.client_id), "credits.forfeited", actor, subject=grant, at=now)
    return True
