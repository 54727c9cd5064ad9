"""HTTP for protecting a client's data: the lock, the trash and the way back from it,
erasure and the one-client export."""

from flask import abort, make_response, request, url_for
from flask_login import current_user

from app.clients import bp, privacy_ops, rules
from app.clients.forms import EraseForm, LockForm
from app.clients.profile_page import (
    form_status,
    profile_or_404,
    profile_updated,
    redirect_after_post,
    render_profile,
)
from app.core.htmx import render_page
from app.core.permissions import Permission, requires


def _lockable_or_404(client_id: int):
    """A client in the trash (or erased) is read-only and shows no lock to change: like
    restoring a client that is not in the trash, there is nothing here to act on."""
    row = profile_or_404(client_id)
    if row.Client.deleted_at is not None:
        abort(404)
    return row


@bp.post("/<id:client_id>/lock")
@requires(Permission.EDIT_LOCKED_PROFILES)
def lock(client_id: int):
    row = _lockable_or_404(client_id)
    form = LockForm()
    if not form.validate_on_submit():
        return render_profile(row, "overview", status=422, lock_form=form)
    privacy_ops.lock_client(row.Client, form.reason.data or None, current_user)
    return profile_updated(client_id)


@bp.post("/<id:client_id>/unlock")
@requires(Permission.EDIT_LOCKED_PROFILES)
def unlock(client_id: int):
    row = _lockable_or_404(client_id)
    privacy_ops.unlock_client(row.Client, current_user)
    return profile_updated(client_id)


# --- trash, erasure, export -----------------------------------------------------------


@bp.route("/<id:client_id>/delete", methods=["GET", "POST"])
@requires(Permission.DELETE_CLIENTS)
def delete(client_id: int):
    """GET asks for confirmation; POST moves the client to the trash."""
    row = profile_or_404(client_id)
    if not rules.may_delete(current_user, row.Client):
        abort(403)
    if request.method == "POST":
        privacy_ops.delete_client(row.Client, current_user)
        return redirect_after_post(url_for("clients.index", show="deleted"))
    return render_page(
        "clients/confirm.html",
        "confirm",
        client=row.Client,
        title=f"Delete {row.Client.full_name}?",
        message=(
            "The client moves to the trash: off the client list and search, with "
            "everything kept. Anyone allowed to delete clients can restore them from "
            "“Deleted clients”."
        ),
        action=url_for("clients.delete", client_id=client_id),
        button="Delete client",
        fields=None,
    )


@bp.post("/<id:client_id>/restore")
@requires(Permission.DELETE_CLIENTS)
def restore(client_id: int):
    row = profile_or_404(client_id)
    if not row.Client.in_trash:
        abort(404)
    if not rules.may_restore(current_user, row.Client):
        abort(403)
    try:
        privacy_ops.restore_client(row.Client, current_user)
    except rules.ClientLimitReached as limit:
        return render_profile(row, "overview", status=422, restore_error=str(limit))
    return redirect_after_post(url_for("clients.show", client_id=client_id))


@bp.route("/<id:client_id>/erase", methods=["GET", "POST"])
@requires(Permission.ERASE_CLIENTS)
def erase(client_id: int):
    row = profile_or_404(client_id)
    client = row.Client
    if client.is_erased:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            privacy_ops.erase_client(client, form.confirmation.data, current_user)
        except privacy_ops.ErasureNotConfirmed as error:
            form.confirmation.errors = [str(error)]
        else:
            return redirect_after_post(url_for("clients.show", client_id=client_id))
    return render_page(
        "clients/confirm.html",
        "confirm",
        status=form_status(form),
        client=client,
        title=f"Erase {client.full_name}’s personal data?",
        message=(
            "This cannot be undone. Names, contact details, birth date, address, notes, "
            "alerts, labels and the values quoted in the timeline are wiped for good. "
            "Sessions and payments stay, under “Deleted Client”. The erasure log keeps "
            "only the initials, who erased and when."
        ),
        action=url_for("clients.erase", client_id=client_id),
        button="Erase personal data",
        fields=form,
    )


@bp.post("/<id:client_id>/export")
@requires(Permission.IMPORT_EXPORT)
def export(client_id: int):
    from app.core.export import client_export_csv, client_export_json, export_filename

    row = profile_or_404(client_id)
    client = row.Client
    export_format = request.form.get("format", "json")
    if export_format not in ("json", "csv"):
        abort(400)
    privacy_ops.record_export(client, export_format, current_user)
    body = client_export_json(client) if export_format == "json" else client_export_csv(client)
    response = make_response(body)
    response.mimetype = "application/json" if export_format == "json" else "text/csv"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(client, export_format)}"'
    )
    return response
