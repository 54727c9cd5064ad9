"""HTTP for the Account tab: the tab itself (drawn by the profile shell) and its lists'
next pages, the credit ledger's and the grants' (the sentinel at the end of a page asks
for the next with ?before=)."""

from flask import abort, request

from app.accounts import bp
from app.accounts.credits.queries import grants_page, ledger_page
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, requires
from app.models import Client, utcnow


@bp.get("/clients/<id:client_id>/account")
@requires(Permission.VIEW_CLIENTS)
def account_tab(client_id: int):
    from app.core.profile_shell import render_profile_tab

    return render_profile_tab(client_id, "account")


def _next_page(client_id: int, read_page, name: str, block: str, **context):
    """A list's next page on the Account tab (the sentinel at the end of a page asks
    for it with ?before=): the rows alone for htmx; without it, the Account tab with the
    list from that point. `name` is the list's key in the tab's data."""
    before = request.args.get("before") or None
    try:
        page = read_page(client_id, before)
    except ValueError:
        abort(400)
    if not is_fragment_request():
        from app.core.profile_shell import render_profile_tab

        return render_profile_tab(client_id, "account", **{name: page, f"{name}_before": before})
    if not page.rows and db.session.get(Client, client_id) is None:
        abort(404)
    return render_page(
        "accounts/_account_tab.html",
        block,
        client_id=client_id,
        tab_data={name: page, f"{name}_before": before, **context},
    )


@bp.get("/clients/<id:client_id>/account/ledger")
@requires(Permission.VIEW_CLIENTS)
def ledger(client_id: int):
    return _next_page(client_id, ledger_page, "ledger", "ledger_rows")


@bp.get("/clients/<id:client_id>/account/grants")
@requires(Permission.VIEW_CLIENTS)
def grants(client_id: int):
    return _next_page(client_id, grants_page, "grants", "grant_rows", now=utcnow())
