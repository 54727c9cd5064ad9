"""HTTP for credits on the profile: the Credits box, "Issue credits" and "Revoke" (htmx
swaps the box in place; without it they lead back to the profile), and the credit policy
on Settings → Plans."""

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import bp
from app.accounts.credits.box import credits_box
from app.accounts.credits.forms import clean_reason, read_issue_form, read_reason
from app.accounts.credits.ledger import NothingToRevoke
from app.accounts.credits.ops import CreditsRefused, issue_credits, revoke_credits, writable_client
from app.accounts.credits.policy import forfeits_late, save_credit_policy
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, requires
from app.models import Client, Service
from app.models.accounts import CreditGrant


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return client


def _box_page(client: Client, status: int = 200, **extra):
    data = credits_box(client.id)
    context = {"issue_typed": None, "issue_errors": {}, "revoking": None, "revoke_typed": ""}
    context.update(extra)
    return render_page(
        "accounts/credits.html",
        "credits_box",
        status=status,
        client=client,
        card_data=data,
        **context,
    )


def _writable_or_404(client_id: int) -> Client:
    try:
        return writable_client(client_id)
    except LookupError:
        abort(404)
    finally:
        db.session.rollback()


def _credits_box_or_profile(client_id: int):
    if is_fragment_request():
        return _box_page(_client_or_404(client_id))
    return redirect(url_for("clients.show", client_id=client_id), 303)


@bp.get("/clients/<id:client_id>/credits")
@requires(Permission.VIEW_CLIENTS)
def credits(client_id: int):
    client = _client_or_404(client_id)
    if client.erased_at is not None:
        abort(404)
    return _box_page(client)


@bp.route("/clients/<id:client_id>/credits/issue", methods=["GET", "POST"])
@requires(Permission.ADJUST_CREDITS)
def issue(client_id: int):
    client = _writable_or_404(client_id)
    services = _active_services()
    if request.method == "GET":
        typed = {"quantity": "", "expires_on": "", "reason": "", "services": []}
        return _box_page(client, issue_typed=typed, services=services)
    typed, errors, values = read_issue_form(request.form, [sid for sid, _ in services])
    if values is None:
        return _box_page(
            client, status=422, issue_typed=typed, issue_errors=errors, services=services
        )
    try:
        issue_credits(client_id, values, current_user)
    except LookupError:
        abort(404)
    except CreditsRefused as refused:
        return _box_page(
            _client_or_404(client_id),
            status=422,
            issue_typed=typed,
            issue_errors=refused.errors,
            services=_active_services(),
        )
    return _credits_box_or_profile(client_id)


def _active_services() -> list[tuple[int, str]]:
    return db.session.execute(
        select(Service.id, Service.name).where(Service.active.is_(True)).order_by(Service.name)
    ).all()


def _grant_or_404(client_id: int, grant_id: int) -> CreditGrant:
    grant = db.session.get(CreditGrant, grant_id)
    if grant is None or grant.client_id != client_id:
        abort(404)
    return grant


@bp.route("/clients/<id:client_id>/credits/<id:grant_id>/revoke", methods=["GET", "POST"])
@requires(Permission.ADJUST_CREDITS)
def revoke(client_id: int, grant_id: int):
    client = _writable_or_404(client_id)
    _grant_or_404(client_id, grant_id)
    if request.method == "GET":
        return _box_page(client, revoking=grant_id)
    typed, error = read_reason(request.form)
    if error is None:
        try:
            revoke_credits(client_id, grant_id, clean_reason(typed), current_user)
        except LookupError:
            abort(404)
        except NothingToRevoke as refused:
            error = str(refused)
        else:
            return _credits_box_or_profile(client_id)
    client = _client_or_404(client_id)
    return _box_page(
        client,
        status=422,
        revoking=grant_id,
        revoke_typed=typed,
        revoke_error=error,
        revoke_grant=db.session.get(CreditGrant, grant_id),
    )


@bp.post("/settings/plans/credit-policy")
@requires(Permission.MANAGE_SETTINGS)
def credit_policy():
    save_credit_policy("1" in request.form.getlist("forfeit"), current_user)
    if is_fragment_request():
        return render_page(
            "accounts/credit_policy.html", "credit_policy", credit_forfeit=forfeits_late()
        )
    return redirect(url_for("accounts.plans"), 303)
