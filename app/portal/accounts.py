"""Staff's side of client accounts, from the profile: "Invite to client page" and
"Reset password" (a confirmation naming the address, then the email is queued)."""

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.mail.api import mail_configured
from app.models import Client
from app.portal import ops, queries
from app.portal.forms import ConfirmForm

bp = Blueprint("portal_accounts", __name__)

_PAGES = {
    "invitation": {
        "title": "Invite to client page",
        "button": "Send invitation",
        "endpoint": "portal_accounts.invite",
    },
    "password_reset": {
        "title": "Reset password",
        "button": "Send reset link",
        "endpoint": "portal_accounts.reset_password",
    },
}


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or client.deleted_at or client.erased_at or client.merged_into_id:
        abort(404)
    return client


def _problem(client: Client, purpose: str) -> str | None:
    """What stops the link from being sent, said before the button is pressed."""
    account = queries.account_summary(client.id)
    if purpose == "invitation" and account is not None and account.activated_at is not None:
        return (
            "This client already uses their page. If they forgot their password, send a "
            "password reset instead."
        )
    if purpose == "password_reset" and (account is None or account.activated_at is None):
        return (
            "This client has not set a password for their page yet: send them an "
            "invitation instead."
        )
    try:
        ops.check_email(client)
    except ops.AccountRefused as refused:
        return str(refused)
    return None


def _page(client, purpose, status=200, problem=None, sent_to=None):
    return render_page(
        "portal/account_link.html",
        "profile_tab",
        status=status,
        client=client,
        page=_PAGES[purpose],
        purpose=purpose,
        problem=problem,
        sent_to=sent_to,
        kept=not mail_configured(),
        form=ConfirmForm(),
        action=url_for(_PAGES[purpose]["endpoint"], client_id=client.id),
        existing=queries.account_summary(client.id),
    )


def _confirm_and_send(client_id: int, purpose: str):
    client = _client_or_404(client_id)
    if request.method == "GET":
        problem = _problem(client, purpose)
        return _page(client, purpose, status=422 if problem else 200, problem=problem)
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    send = ops.send_invitation if purpose == "invitation" else ops.send_password_reset
    try:
        account = send(client_id, current_user)
    except LookupError:
        abort(404)
    except ops.AccountRefused as refused:
        return _page(client, purpose, status=422, problem=str(refused))
    return _page(client, purpose, sent_to=account.email)


@bp.get("/clients/<id:client_id>/client-page")
@requires(Permission.VIEW_CLIENTS)
def status(client_id: int):
    """The "Client page" card's content: not invited, invited on …, or active."""
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return render_page(
        "portal/account_status.html",
        "client_page_card",
        client=client,
        account=queries.account_summary(client.id),
    )


@bp.route("/clients/<id:client_id>/client-page/invite", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def invite(client_id: int):
    return _confirm_and_send(client_id, "invitation")


@bp.route("/clients/<id:client_id>/client-page/reset-password", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def reset_password(client_id: int):
    return _confirm_and_send(client_id, "password_reset")
