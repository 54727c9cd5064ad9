"""Reads of a client's memberships for the Account tab: every membership and pack with
its plan's name, the payments recorded (keyset pages, and the latest with who recorded
them). Each is one query whatever the client's history holds."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from app.core.extensions import db
from app.models import StaffMember
from app.models.accounts import Membership, MembershipPayment, MembershipPlan

RECENT_PAYMENTS = 20


@dataclass(frozen=True)
class MembershipRow:
    membership: Membership
    plan_name: str
    billing_period: str | None


def memberships_of(client_id: int) -> list[MembershipRow]:
    """Every membership and pack of the client, current and past, newest first, with its
    plan's name (one query; a client holds a handful)."""
    rows = db.session.execute(
        select(Membership, MembershipPlan.name, MembershipPlan.billing_period)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(Membership.client_id == client_id)
        .order_by(Membership.starts_on.desc(), Membership.id.desc())
    ).all()
    return [MembershipRow(*row) for row in rows]


@dataclass(frozen=True)
class PaymentsPage:
    rows: list  # (MembershipPayment, plan name)
    next_cursor: str | None


def payments_of(client_id: int, before: str | None = None, limit: int = 20) -> PaymentsPage:
    """The client's recorded payments, newest first, a keyset page at a time: `before`
    is the page's cursor ("<recorded_at iso>_<id>"); ValueError for a cursor that is not."""
    query = (
        select(MembershipPayment, MembershipPlan.name)
        .join(Membership, Membership.id == MembershipPayment.membership_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(MembershipPayment.client_id == client_id)
    )
    if before:
        at_text, _, id_text = before.rpartition("_")
        from datetime import datetime

        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None or not id_text.isascii() or not id_text.isdigit():
            raise ValueError(before)
        payment_id = int(id_text)
        query = query.where(
            or_(
                MembershipPayment.recorded_at < at,
                and_(MembershipPayment.recorded_at == at, MembershipPayment.id < payment_id),
            )
        )
    rows = db.session.execute(
        query.order_by(MembershipPayment.recorded_at.desc(), MembershipPayment.id.desc()).limit(
            limit + 1
        )
    ).all()
    more = len(rows) > limit
    rows = [tuple(row) for row in rows[:limit]]
    cursor = None
    if more:
        last = rows[-1][0]
        cursor = f"{last.recorded_at.isoformat()}_{last.id}"
    return PaymentsPage(rows, cursor)


def recent_payments(client_id: int, limit: int = RECENT_PAYMENTS) -> list:
    """The latest payments recorded: rows of (MembershipPayment, plan_name, recorded_by)."""
    return db.session.execute(
        select(
            MembershipPayment,
            MembershipPlan.name.label("plan_name"),
            StaffMember.name.label("recorded_by"),
        )
        .join(Membership, Membership.id == MembershipPayment.membership_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .outerjoin(StaffMember, StaffMember.id == MembershipPayment.recorded_by_id)
        .where(MembershipPayment.client_id == client_id)
        .order_by(MembershipPayment.recorded_at.desc(), MembershipPayment.id.desc())
        .limit(limit)
    ).all()
