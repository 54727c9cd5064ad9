"""HTTP for the labels a client carries: the profile's label picker."""

from flask import redirect, request, url_for
from flask_login import current_user

from app.clients import bp, label_ops, label_queries
from app.clients.profile_page import parse_ids, profile_or_404, render_profile, require_details
from app.core.htmx import is_fragment_request
from app.core.permissions import Permission, requires


@bp.route("/<id:client_id>/labels", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def labels(client_id: int):
    """The label picker: each tick posts (htmx), or Save without JavaScript.

    The picker also sends which labels were ticked when it was drawn ("was"), so only
    what this person changed is applied: a label a colleague ticked or unticked
    meanwhile is left as they set it."""
    row = profile_or_404(client_id)
    require_details(row)
    if request.method == "POST":
        ticked = parse_ids(request.form.getlist("label"))
        was_ticked = parse_ids(request.form.getlist("was"))
        label_ops.change_client_labels(
            row.Client, current_user, add=ticked - was_ticked, remove=was_ticked - ticked
        )
        if not is_fragment_request():
            return redirect(url_for("clients.show", client_id=client_id), 303)
        row = profile_or_404(client_id)
    picker = label_queries.all_labels()
    block = "label_picker" if is_fragment_request() and request.method == "POST" else "profile_tab"
    return render_profile(row, "overview", block=block, label_picker=picker, refresh_header=True)
