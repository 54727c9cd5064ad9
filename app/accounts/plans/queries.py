"""Reads of Settings → Plans: every plan (the active ones first), the services each
covers, and the services a plan may cover."""

from sqlalchemy import select

from app.core.extensions import db
from app.models import Service
from app.models.accounts import MembershipPlan, plan_services


def all_plans() -> list[MembershipPlan]:
    return list(
        db.session.scalars(
            select(MembershipPlan).order_by(
                MembershipPlan.active.desc(), MembershipPlan.kind.desc(), MembershipPlan.name
            )
        )
    )


def plan_service_names() -> dict[int, list[str]]:
    """plan id -> the names of the services it covers (none: every service)."""
    rows = db.session.execute(
        select(plan_services.c.plan_id, Service.name)
        .join(Service, Service.id == plan_services.c.service_id)
        .order_by(Service.name)
    )
    names: dict[int, list[str]] = {}
    for plan_id, name in rows:
        names.setdefault(plan_id, []).append(name)
    return names


def all_services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.active.desc(), Service.name)))
