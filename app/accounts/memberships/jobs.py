"""The memberships' daily step: a pause that has begun pauses, one that has ended
resumes, a cancelled membership or a pack past its last day expires. Run each hour by
the job consumer, so the business's midnight is never missed by more than one."""

from datetime import date

from sqlalchemy import and_, or_, select

from app.accounts.dates import day_text
from app.accounts.memberships.ops import touch
from app.core.areas import HourlyTask
from app.core.clock import business_today
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.timeline import record
from app.models import Client, utcnow
from app.models.accounts import Membership, MembershipPlan


def refresh_statuses(today: date | None = None) -> int:
    """The daily step: a pause that has begun pauses, one that has ended resumes, a
    cancelled membership or a pack past its last day expires. Idempotent: a second run
    the same day changes nothing. Returns how many memberships changed."""
    today = today or business_today()
    changed = 0
    with write_transaction():
        rows = db.session.execute(
            select(Membership, MembershipPlan.name)
            .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
            .where(
                or_(
                    and_(
                        Membership.status == "active",
                        Membership.paused_from <= today,
                        Membership.paused_until >= today,
                    ),
                    and_(Membership.status == "paused", Membership.paused_until < today),
                    and_(
                        Membership.status.in_(("active", "paused", "cancelled")),
                        Membership.ends_on < today,
                    ),
                )
            )
            .order_by(Membership.id)
            .with_for_update()
        ).all()
        now = utcnow()
        for membership, plan_name in rows:
            verb = None
            if membership.ends_on is not None and membership.ends_on < today:
                membership.status, verb = "expired", "membership.expired"
                changes = {
                    "plan": [None, plan_name],
                    "membership_ends": [None, day_text(membership.ends_on)],
                }
            elif membership.status == "paused":
                membership.status, verb = "active", "membership.resumed"
                changes = {"plan": [None, plan_name]}
            else:
                membership.status = "paused"
            touch(membership, now)
            changed += 1
            if verb:
                client = db.session.get(Client, membership.client_id)
                record(client, verb, None, subject=membership, changes=changes, at=now)
    return changed


# Each hour (so the business's midnight is never missed by more than one): resume, pause
# and end memberships as their dates say. Idempotent.
MEMBERSHIP_STATUSES_TASK = HourlyTask("membership_statuses", 7, refresh_statuses)
