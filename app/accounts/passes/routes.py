"""HTTP for passes on the Account tab: "Add pass" and "Replace pass" (htmx swaps the
Passes section in place; without it the whole Account tab, or after a success a redirect
to it)."""

from flask import abort, redirect, url_for
from flask_login import current_user

from app.accounts import bp
from app.accounts.passes.forms import AddPassForm, ReplacePassForm
from app.accounts.passes.ops import PassRefused, add_pass, may_manage_passes, replace_pass
from app.accounts.passes.parts import passes_part
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, requires
from app.models import Client
from app.models.accounts import Pass


def _passes_response(client_id: int, status: int = 200, **forms):
    """The Account tab's Passes section (htmx swaps it in place); without htmx the whole
    Account tab, or after a success a redirect to it."""
    if status == 200 and not forms and not is_fragment_request():
        return redirect(url_for("accounts.account_tab", client_id=client_id), 303)
    if not is_fragment_request():
        from app.core.profile_shell import render_profile_tab

        return render_profile_tab(client_id, "account", status=status, pass_forms=forms)
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return render_page(
        "accounts/passes.html",
        "passes_section",
        status=status,
        client=client,
        passes_part=passes_part(client, **forms),
    )


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or not may_manage_passes(current_user, client):
        abort(404)
    return client


@bp.get("/clients/<id:client_id>/passes/new")
@requires(Permission.EDIT_CLIENTS)
def new_pass(client_id: int):
    _client_or_404(client_id)
    return _passes_response(client_id, add_form=AddPassForm())


@bp.post("/clients/<id:client_id>/passes")
@requires(Permission.EDIT_CLIENTS)
def add_pass_route(client_id: int):
    _client_or_404(client_id)
    form = AddPassForm()
    if form.validate():
        try:
            add_pass(client_id, form.number.data, current_user)
        except LookupError:
            abort(404)
        except PassRefused as refused:
            form.number.errors = [str(refused)]
        else:
            return _passes_response(client_id)
    return _passes_response(client_id, 422, add_form=form)


def _pass_of_or_404(client_id: int, pass_id: int) -> Pass:
    card = db.session.get(Pass, pass_id)
    if card is None or card.client_id != client_id:
        abort(404)
    return card


@bp.get("/clients/<id:client_id>/passes/<id:pass_id>/replace")
@requires(Permission.EDIT_CLIENTS)
def replace_pass_form(client_id: int, pass_id: int):
    _client_or_404(client_id)
    card = _pass_of_or_404(client_id, pass_id)
    if card.ended_at is not None:
        return _passes_response(client_id)
    return _passes_response(client_id, replace_form=ReplacePassForm(), replacing=pass_id)


@bp.post("/clients/<id:client_id>/passes/<id:pass_id>/replace")
@requires(Permission.EDIT_CLIENTS)
def replace_pass_route(client_id: int, pass_id: int):
    _client_or_404(client_id)
    _pass_of_or_404(client_id, pass_id)
    form = ReplacePassForm()
    if form.validate():
        try:
            replace_pass(client_id, pass_id, form.number.data, form.reason.data, current_user)
        except LookupError:
            abort(404)
        except PassRefused as refused:
            form.number.errors = [str(refused)]
        else:
            return _passes_response(client_id)
    return _passes_response(client_id, 422, replace_form=form, replacing=pass_id)
