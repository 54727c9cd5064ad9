"""HTTP for a client's alerts: add, edit and resolve."""

from flask import abort, request
from flask_login import current_user

from app.clients import alert_ops, alert_queries, bp
from app.clients.forms import AlertForm
from app.clients.profile_page import (
    form_status,
    profile_or_404,
    profile_updated,
    render_profile,
    require_details,
)
from app.core.permissions import Permission, requires


@bp.route("/<id:client_id>/alerts/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new_alert(client_id: int):
    row = profile_or_404(client_id)
    require_details(row)
    form = AlertForm()
    if form.validate_on_submit():
        alert_ops.add_alert(row.Client, form.severity.data, form.text.data, current_user)
        return profile_updated(client_id)
    return render_profile(row, "overview", status=form_status(form), alert_form=form)


def _alert_or_404(client_id: int, alert_id: int):
    alert = alert_queries.alert(client_id, alert_id)
    if alert is None:
        abort(404)
    return alert


@bp.route("/<id:client_id>/alerts/<id:alert_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit_alert(client_id: int, alert_id: int):
    row = profile_or_404(client_id)
    require_details(row)
    alert = _alert_or_404(client_id, alert_id)
    if alert.resolved_at is not None:
        abort(404)
    form = AlertForm(prefix=f"alert-{alert_id}")
    if request.method == "GET":
        form.severity.data, form.text.data = alert.severity, alert.text
    elif form.validate_on_submit():
        alert_ops.edit_alert(alert, form.severity.data, form.text.data, current_user)
        return profile_updated(client_id)
    return render_profile(
        row, "overview", status=form_status(form), alert_form=form, editing_alert=alert_id
    )


@bp.post("/<id:client_id>/alerts/<id:alert_id>/resolve")
@requires(Permission.EDIT_CLIENTS)
def resolve_alert(client_id: int, alert_id: int):
    row = profile_or_404(client_id)
    require_details(row)
    alert_ops.resolve_alert(_alert_or_404(client_id, alert_id), current_user)
    return profile_updated(client_id)
