"""HTTP for Settings → Plans: the list of plans with the form for a new one, and a
plan's own page to change it; bad input comes back beside its field (422), a saved plan
leads back to the list (303)."""

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import bp
from app.accounts.credits.policy import forfeits_late
from app.accounts.plans.forms import money_text, read_plan_form
from app.accounts.plans.ops import PlanRefused, save_plan
from app.accounts.plans.queries import all_plans, all_services, plan_service_names
from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.models.accounts import BILLING_PERIODS, PLAN_KINDS, MembershipPlan, plan_services

_EMPTY = {
    "name": "",
    "kind": "membership",
    "price": "",
    "billing_period": "month",
    "minimum_term": "1",
    "credits": "0",
    "credit_expiry_days": "",
    "active": True,
    "services": [],
}


def _typed_from(plan: MembershipPlan, service_ids: list[int]) -> dict:
    return {
        "name": plan.name,
        "kind": plan.kind,
        "price": money_text(plan.price_minor),
        "billing_period": plan.billing_period or "month",
        "minimum_term": str(plan.minimum_term),
        "credits": str(plan.credits),
        "credit_expiry_days": ""
        if plan.credit_expiry_days is None
        else str(plan.credit_expiry_days),
        "active": plan.active,
        "services": [str(service_id) for service_id in service_ids],
    }


def _plans_page(typed=None, errors=None, status=200):
    return render_page(
        "accounts/plans.html",
        "plan_settings",
        status=status,
        plans=all_plans(),
        covered=plan_service_names(),
        services=all_services(),
        typed=typed or dict(_EMPTY),
        errors=errors or {},
        billing_periods=BILLING_PERIODS,
        plan_kinds=PLAN_KINDS,
        credit_forfeit=forfeits_late(),  # the credit policy's form, under the plans
    )


@bp.route("/settings/plans", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def plans():
    if request.method == "GET":
        return _plans_page()
    services = all_services()
    typed, errors, values = read_plan_form(request.form, {service.id for service in services})
    if values is not None:
        try:
            save_plan(values, current_user)
        except PlanRefused as refused:
            errors = {refused.field: refused.message}
        else:
            return redirect(url_for("accounts.plans"), 303)
    return _plans_page(typed, errors, 422)


def _plan_page(plan, typed, errors=None, status=200):
    return render_page(
        "accounts/plan.html",
        "plan_form",
        status=status,
        plan=plan,
        services=all_services(),
        typed=typed,
        errors=errors or {},
        billing_periods=BILLING_PERIODS,
        plan_kinds=PLAN_KINDS,
    )


@bp.route("/settings/plans/<id:plan_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def edit_plan(plan_id: int):
    plan = db.session.get(MembershipPlan, plan_id)
    if plan is None:
        abort(404)
    if request.method == "GET":
        service_ids = list(
            db.session.scalars(
                select(plan_services.c.service_id).where(plan_services.c.plan_id == plan.id)
            )
        )
        return _plan_page(plan, _typed_from(plan, service_ids))
    typed, errors, values = read_plan_form(request.form, {service.id for service in all_services()})
    if values is not None:
        try:
            save_plan(values, current_user, plan_id=plan.id)
        except PlanRefused as refused:
            errors = {refused.field: refused.message}
        except LookupError:
            abort(404)
        else:
            return redirect(url_for("accounts.plans"), 303)
    return _plan_page(plan, typed, errors, 422)
