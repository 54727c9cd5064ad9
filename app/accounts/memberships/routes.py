"""HTTP for memberships on the profile: "New membership", "Record payment", "Pause
membership" and "Cancel membership". Each form opens in the profile's panel (htmx) or as
a page of its own, posts as a plain form, and leads back to the profile (303) once
saved; bad input comes back beside its field (422), a stale form as a conflict (409)."""

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import bp
from app.accounts.memberships.card import MembershipView
from app.accounts.memberships.ops import (
    MembershipChanged,
    MembershipRefused,
    cancel_membership,
    pause_membership,
    record_payment,
    sell_membership,
)
from app.accounts.plans.forms import money_text, parse_money
from app.core.clock import business_today
from app.core.extensions import db
from app.core.forms import parse_day
from app.core.htmx import render_page
from app.core.paths import parse_id
from app.core.permissions import Permission, requires
from app.models import Client
from app.models.accounts import (
    ACCOUNT_REASON_MAX_LENGTH,
    PAYMENT_METHODS,
    Membership,
    MembershipPlan,
)


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or not client.takes_new_records:
        abort(404)
    return client


def _membership_or_404(client: Client, membership_id: int) -> MembershipView:
    row = db.session.execute(
        select(Membership, MembershipPlan.name)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(Membership.id == membership_id, Membership.client_id == client.id)
    ).first()
    if row is None:
        abort(404)
    return MembershipView(row[0], row[1], business_today())


def _typed(keys) -> dict:
    return {key: (request.form.get(key) or "")[:1000] for key in keys}


def _page(action, client, typed, errors=None, status=200, view=None, conflict=None, **extra):
    return render_page(
        "accounts/membership_form.html",
        "profile_tab",
        status=status,
        action=action,
        client=client,
        typed=typed,
        errors=errors or {},
        view=view,
        conflict=conflict,
        payment_methods=PAYMENT_METHODS,
        **extra,
    )


def _back_to_profile(client: Client):
    return redirect(url_for("clients.show", client_id=client.id), 303)


def _seen(view: MembershipView) -> str:
    membership = view.membership
    text = view.status_text
    if membership.next_payment_due is not None:
        text += f"; next payment due {membership.next_payment_due.isoformat()}"
    return text


def _version(typed) -> int | None:
    return parse_id(typed.get("version", "").strip())


# --- New membership ------------------------------------------------------------------------


def _plans_offered() -> dict[str, list[MembershipPlan]]:
    plans = db.session.scalars(
        select(MembershipPlan)
        .where(MembershipPlan.active.is_(True))
        .order_by(MembershipPlan.name, MembershipPlan.id)
    ).all()
    return {
        "Memberships": [plan for plan in plans if plan.kind == "membership"],
        "Packs": [plan for plan in plans if plan.kind == "pack"],
    }


@bp.route("/clients/<id:client_id>/memberships/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new_membership(client_id: int):
    client = _client_or_404(client_id)
    offered = _plans_offered()
    if request.method == "GET":
        typed = {"plan": "", "starts_on": business_today().isoformat(), "paid": "", "method": ""}
        return _page("new", client, typed, plans=offered)
    typed = _typed(("plan", "starts_on", "paid", "method"))
    errors = {}
    plan_id = parse_id(typed["plan"])
    if plan_id is None or plan_id not in {p.id for group in offered.values() for p in group}:
        errors["plan"] = "Choose one of the plans offered."
    starts_on = parse_day(typed["starts_on"])
    if starts_on is None:
        errors["starts_on"] = "Enter a real date, for example 2027-03-01."
    paid_with = None
    if typed["paid"] == "y":
        if typed["method"] not in PAYMENT_METHODS:
            errors["method"] = "Choose how it was paid."
        else:
            paid_with = typed["method"]
    if not errors:
        try:
            sell_membership(client.id, plan_id, starts_on, current_user, paid_with=paid_with)
        except MembershipRefused as refused:
            errors[refused.field] = refused.message
        except LookupError:
            abort(404)
        else:
            return _back_to_profile(client)
    return _page("new", client, typed, errors, 422, plans=offered)


# --- Record payment ------------------------------------------------------------------------


def _amount_default(view: MembershipView) -> str:
    return money_text(view.membership.price_minor)


@bp.route("/clients/<id:client_id>/memberships/<id:membership_id>/payment", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def record_membership_payment(client_id: int, membership_id: int):
    client = _client_or_404(client_id)
    view = _membership_or_404(client, membership_id)
    if request.method == "GET":
        if not view.may_pay:
            abort(404)
        typed = {
            "method": "",
            "amount": _amount_default(view),
            "version": str(view.membership.version),
            "seen": _seen(view),
        }
        return _page("payment", client, typed, view=view)
    typed = _typed(("method", "amount", "version", "seen"))
    errors = {}
    if typed["method"] not in PAYMENT_METHODS:
        errors["method"] = "Choose how it was paid."
    amount = None
    try:
        amount = parse_money(typed["amount"], what="amount")
    except ValueError as error:
        errors["amount"] = str(error)
    if not errors:
        try:
            record_payment(
                client.id,
                view.membership.id,
                typed["method"],
                amount,
                current_user,
                version=_version(typed),
            )
        except MembershipRefused as refused:
            errors[refused.field] = refused.message
        except MembershipChanged:
            return _conflict("payment", client, membership_id, typed)
        except LookupError:
            abort(404)
        else:
            return _back_to_profile(client)
    return _page("payment", client, typed, errors, 422, view=view)


def _conflict(action, client, membership_id, typed):
    db.session.rollback()
    view = _membership_or_404(client, membership_id)
    fresh = {**typed, "version": str(view.membership.version), "seen": _seen(view)}
    return _page(action, client, fresh, status=409, view=view, conflict=typed.get("seen") or "")


# --- Pause membership ----------------------------------------------------------------------


@bp.route("/clients/<id:client_id>/memberships/<id:membership_id>/pause", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def pause(client_id: int, membership_id: int):
    client = _client_or_404(client_id)
    view = _membership_or_404(client, membership_id)
    if request.method == "GET":
        if not view.may_pause:
            abort(404)
        typed = {
            "paused_from": business_today().isoformat(),
            "paused_until": "",
            "version": str(view.membership.version),
            "seen": _seen(view),
        }
        return _page("pause", client, typed, view=view)
    typed = _typed(("paused_from", "paused_until", "version", "seen"))
    errors = {}
    first, last = parse_day(typed["paused_from"]), parse_day(typed["paused_until"])
    if first is None:
        errors["paused_from"] = "Enter a real date, for example 2027-03-01."
    if last is None:
        errors["paused_until"] = "Enter a real date, for example 2027-03-14."
    if not errors:
        try:
            pause_membership(
                client.id, view.membership.id, first, last, current_user, version=_version(typed)
            )
        except MembershipRefused as refused:
            errors[refused.field] = refused.message
        except MembershipChanged:
            return _conflict("pause", client, membership_id, typed)
        except LookupError:
            abort(404)
        else:
            return _back_to_profile(client)
    return _page("pause", client, typed, errors, 422, view=view)


# --- Cancel membership ---------------------------------------------------------------------


@bp.route("/clients/<id:client_id>/memberships/<id:membership_id>/cancel", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def cancel(client_id: int, membership_id: int):
    client = _client_or_404(client_id)
    view = _membership_or_404(client, membership_id)
    if request.method == "GET":
        if not view.may_cancel:
            abort(404)
        typed = {"reason": "", "version": str(view.membership.version), "seen": _seen(view)}
        return _page("cancel", client, typed, view=view)
    typed = _typed(("reason", "version", "seen"))
    errors = {}
    reason = typed["reason"].strip()
    if len(reason) > ACCOUNT_REASON_MAX_LENGTH:
        errors["reason"] = f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters."
    elif any(ord(character) < 32 or ord(character) == 127 for character in reason):
        errors["reason"] = "Remove the invisible control characters from this field."
    if not errors:
        try:
            cancel_membership(
                client.id, view.membership.id, reason or None, current_user, version=_version(typed)
            )
        except MembershipRefused as refused:
            errors[refused.field] = refused.message
        except MembershipChanged:
            return _conflict("cancel", client, membership_id, typed)
        except LookupError:
            abort(404)
        else:
            return _back_to_profile(client)
    return _page("cancel", client, typed, errors, 422, view=view)
