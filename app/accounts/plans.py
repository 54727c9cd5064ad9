"""Settings → Plans: what the business sells. A membership has a price per billing
period, a minimum term in periods and credits each period (lasting a number of days or
to the end of their period); a pack has a price once and a number of credits that
expire a number of days after the sale ("10 classes, 90 days"). Credits pay for the
services a plan covers; a plan that ticks none covers every service."""

from dataclasses import dataclass, field

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import delete, insert, select

from app.accounts import bp
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.htmx import render_page
from app.core.paths import parse_id
from app.core.permissions import Permission, can, requires
from app.models import Service, utcnow
from app.models.accounts import (
    BILLING_PERIODS,
    PLAN_KINDS,
    PLAN_NAME_MAX_LENGTH,
    MembershipPlan,
    plan_services,
)

LONGEST_MINIMUM_TERM = 120  # periods
MOST_CREDITS = 1000
LONGEST_EXPIRY_DAYS = 3650
HIGHEST_PRICE_MINOR = 10_000_000 * 100 - 1


class PlanRefused(Exception):
    """A write the rules refuse: `field` names where the message goes."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_money(text: str | None, *, what: str = "price") -> int:
    """ "45", "45.5", "45.50", "1,200.00" -> minor units; PlanRefused-style ValueError
    with a message a person reads otherwise."""
    text = (text or "").replace(",", "").strip()
    if not text:
        raise ValueError(f"Enter a {what} like 45 or 45.50.")
    if text.startswith("-"):
        raise ValueError(f"The {what} cannot be negative.")
    whole, _, cents = text.partition(".")
    whole = whole or "0"
    if (
        not whole.isascii()
        or not whole.isdigit()
        or not (cents == "" or (cents.isascii() and cents.isdigit() and len(cents) <= 2))
        or len(whole) > 7
    ):
        raise ValueError(f"Enter a {what} like 45 or 45.50.")
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


def money_text(minor: int) -> str:
    """Minor units as a form shows them again: 4500 -> "45.00"."""
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class PlanValues:
    name: str
    kind: str
    price_minor: int
    billing_period: str | None
    minimum_term: int
    credits: int
    credit_expiry_days: int | None
    active: bool
    service_ids: list[int] = field(default_factory=list)


def _whole_number(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if low <= value <= high else None


def read_plan_form(form, service_ids: set[int]) -> tuple[dict, dict[str, str], PlanValues | None]:
    """What was typed (kept as typed), the errors beside their fields, and the values
    when there are none."""
    typed = {
        key: (form.get(key) or "")[:200]
        for key in (
            "name",
            "kind",
            "price",
            "billing_period",
            "minimum_term",
            "credits",
            "credit_expiry_days",
        )
    }
    typed["active"] = form.get("active") == "y"
    typed["services"] = [text[:12] for text in form.getlist("services")][:500]
    errors: dict[str, str] = {}
    name = typed["name"].strip()
    if not name:
        errors["name"] = "Enter the plan's name."
    elif len(name) > PLAN_NAME_MAX_LENGTH:
        errors["name"] = f"Use at most {PLAN_NAME_MAX_LENGTH} characters."
    elif any(ord(character) < 32 or ord(character) == 127 for character in name):
        errors["name"] = "Use letters, digits and punctuation only."
    kind = typed["kind"]
    if kind not in PLAN_KINDS:
        errors["kind"] = "Choose a membership or a pack."
    price_minor = 0
    try:
        price_minor = parse_money(typed["price"])
    except ValueError as error:
        errors["price"] = str(error)
    billing_period = None
    minimum_term = 1
    credit_expiry_days = None
    credits = 0
    expiry_text = typed["credit_expiry_days"].strip()
    if kind == "membership":
        billing_period = typed["billing_period"]
        if billing_period not in BILLING_PERIODS:
            errors["billing_period"] = "Choose weekly, monthly or yearly."
            billing_period = None
        term = _whole_number(typed["minimum_term"], 1, LONGEST_MINIMUM_TERM)
        if term is None:
            errors["minimum_term"] = (
                f"Enter a number of billing periods from 1 to {LONGEST_MINIMUM_TERM}."
            )
        else:
            minimum_term = term
        given = _whole_number(typed["credits"] or "0", 0, MOST_CREDITS)
        if given is None:
            errors["credits"] = f"Enter the credits each period, from 0 to {MOST_CREDITS}."
        else:
            credits = given
        if expiry_text:
            credit_expiry_days = _whole_number(expiry_text, 1, LONGEST_EXPIRY_DAYS)
            if credit_expiry_days is None:
                errors["credit_expiry_days"] = (
                    f"Enter days from 1 to {LONGEST_EXPIRY_DAYS}, or leave it empty: "
                    "credits last to the end of their period."
                )
    elif kind == "pack":
        given = _whole_number(typed["credits"], 1, MOST_CREDITS)
        if given is None:
            errors["credits"] = f"A pack holds from 1 to {MOST_CREDITS} credits."
        else:
            credits = given
        credit_expiry_days = _whole_number(expiry_text, 1, LONGEST_EXPIRY_DAYS)
        if credit_expiry_days is None:
            errors["credit_expiry_days"] = (
                f"Enter the days the pack lasts after the sale, from 1 to {LONGEST_EXPIRY_DAYS}."
            )
    chosen = []
    for text in typed["services"]:
        service_id = parse_id(text)
        if service_id is None or service_id not in service_ids:
            errors["services"] = "Choose services from the list."
            break
        chosen.append(service_id)
    if errors:
        return typed, errors, None
    return (
        typed,
        errors,
        PlanValues(
            name=name,
            kind=kind,
            price_minor=price_minor,
            billing_period=billing_period,
            minimum_term=minimum_term,
            credits=credits,
            credit_expiry_days=credit_expiry_days,
            active=typed["active"],
            service_ids=sorted(set(chosen)),
        ),
    )


# --- ops ----------------------------------------------------------------------------------


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


# --- queries ------------------------------------------------------------------------------


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


def _services() -> list[Service]:
    return list(db.session.scalars(select(Service).order_by(Service.active.desc(), Service.name)))


def plan_summary(plan: MembershipPlan) -> str:
    """ "Monthly, 8 credits a period, minimum 3 months" or "10 credits, 90 days"."""
    if plan.kind == "pack":
        return f"{_plural(plan.credits, 'credit')}, {_plural(plan.credit_expiry_days or 0, 'day')}"
    unit = {"week": "week", "month": "month", "year": "year"}.get(plan.billing_period or "", "")
    parts = [BILLING_PERIODS.get(plan.billing_period or "", "")]
    if plan.credits:
        parts.append(f"{_plural(plan.credits, 'credit')} a {unit}")
    if plan.minimum_term > 1:
        parts.append(f"minimum {_plural(plan.minimum_term, unit)}")
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


bp.add_app_template_filter(plan_summary, "plan_summary")


# --- routes -------------------------------------------------------------------------------

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
        services=_services(),
        typed=typed or dict(_EMPTY),
        errors=errors or {},
        billing_periods=BILLING_PERIODS,
        plan_kinds=PLAN_KINDS,
    )


@bp.route("/settings/plans", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def plans():
    if request.method == "GET":
        return _plans_page()
    services = _services()
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
        services=_services(),
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
    typed, errors, values = read_plan_form(request.form, {service.id for service in _services()})
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
