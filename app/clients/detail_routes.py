"""HTTP for a client's details: adding a client, the details editor (with the side by
side answer when a colleague changed the same fields), and the online booking policy."""

from flask import abort, request, url_for
from flask_login import current_user

from app.clients import bp, detail_ops, profile_queries, rules
from app.clients.forms import BookingPolicyForm, ClientForm
from app.clients.profile_page import (
    form_status,
    profile_or_404,
    profile_updated,
    redirect_after_post,
    render_profile,
    require_details,
)
from app.core.htmx import render_page
from app.core.paths import safe_next_path
from app.core.permissions import Permission, requires
from app.models import BOOKING_POLICIES


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new():
    form = ClientForm()
    error = None
    if form.validate_on_submit():
        try:
            client = detail_ops.create_client(form.values(), current_user)
        except rules.ClientLimitReached as limit:
            error = str(limit)
        else:
            return redirect_after_post(url_for("clients.show", client_id=client.id))
    status = 422 if form.is_submitted() else 200
    return render_page("clients/new.html", "client_form", status=status, form=form, error=error)


@bp.route("/<id:client_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit(client_id: int):
    row = profile_or_404(client_id)
    require_details(row)
    client = row.Client
    form = ClientForm()
    if request.method == "GET":
        form.fill_from(client)
    elif form.seen_version() is None:
        # The version is the form's whole claim about what its editor saw; without it a
        # save would overwrite every field, so it is refused like a malformed request.
        abort(400)
    elif form.validate_on_submit():
        try:
            detail_ops.update_client(
                client, form.values(), current_user, expected_version=form.seen_version()
            )
        except detail_ops.EditConflict as conflict:
            return _edit_conflict(client_id, form, conflict)
        return profile_updated(client_id)
    status = 422 if form.is_submitted() else 200
    return render_profile(row, "overview", status=status, form=form)


def _edit_conflict(client_id: int, form: ClientForm, conflict):
    """409: the fields both people changed, theirs beside yours. The form now holds
    your changes over everything saved since (other fields show the colleague's
    values), and the current version, so saving again applies your choice."""
    typed = form.values()
    differences = [(field, conflict.saved[field], typed[field]) for field in conflict.fields]
    row = profile_queries.profile(client_id)
    form.fill_from(row.Client, values=conflict.merged, keep=set(conflict.fields))
    return render_profile(
        row,
        "overview",
        status=409,
        form=form,
        conflict=differences,
        refresh_header=True,  # the header shows what is saved now
    )


@bp.route("/<id:client_id>/booking-policy", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def booking_policy(client_id: int):
    row = profile_or_404(client_id)
    require_details(row)
    client = row.Client
    form = BookingPolicyForm()
    # The list's row menu sends its own URL to come back to, and the choice made there
    # ("Block online bookings" opens this form with Block chosen, for the reason).
    back_to = safe_next_path(request.values.get("next"))
    if request.method == "GET":
        form.policy.data, form.reason.data = client.booking_policy, client.booking_policy_reason
        if request.args.get("policy") in BOOKING_POLICIES:
            form.policy.data = request.args["policy"]
    elif form.validate_on_submit():
        reason = form.reason.data or None
        detail_ops.set_booking_policy(client, form.policy.data, reason, current_user)
        return redirect_after_post(back_to) if back_to else profile_updated(client_id)
    return render_profile(
        row, "overview", status=form_status(form), booking_form=form, booking_next=back_to
    )
