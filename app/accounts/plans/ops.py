"""Writes of Settings → Plans: a plan created or changed, with the services it covers,
in one transaction (the memberships already sold keep their price)."""

from sqlalchemy import delete, insert, select

from app.accounts.plans.forms import PlanValues
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.models import Service, utcnow
from app.models.accounts import MembershipPlan, plan_services


class PlanRefused(Exception):
    """A write the rules refuse: `field` names where the message goes."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def save_plan(values: PlanValues, actor, plan_id: int | None = None) -> MembershipPlan:
    """Create a plan, or change one (the memberships already sold keep their price)."""
    if not can(actor, Permission.MANAGE_SETTINGS):
        raise PermissionError("manage_settings")
    with write_transaction():
        known = set(
            db.session.scalars(select(Service.id).where(Service.id.in_(values.service_ids)))
        )
        if known != set(values.service_ids):
            raise PlanRefused("services", "Choose services from the list.")
        if plan_id is None:
            plan = MembershipPlan(created_at=utcnow())
            db.session.add(plan)
        else:
            plan = db.session.get(MembershipPlan, plan_id)
            if plan is None:
                raise LookupError(plan_id)
        plan.name = values.name
        plan.kind = values.kind
        plan.price_minor = values.price_minor
        plan.billing_period = values.billing_period
        plan.minimum_term = values.minimum_term
        plan.credits = values.credits
        plan.credit_expiry_days = values.credit_expiry_days
        plan.active = values.active
        plan.updated_at = utcnow()
        db.session.flush()
        db.session.execute(delete(plan_services).where(plan_services.c.plan_id == plan.id))
        if values.service_ids:
            db.session.execute(
                insert(plan_services),
                [{"plan_id": plan.id, "service_id": sid} for sid in values.service_ids],
            )
    return plan
