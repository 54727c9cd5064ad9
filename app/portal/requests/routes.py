"""The client's side of data-rights requests, on the client page (/me): ask for a copy
of their data, suggest a correction, ask for their data to be deleted, and fetch an
approved copy through the emailed link. Every view is the signed-in client's own:
anything of another client's answers 404."""

from flask import abort, make_response, redirect, request, url_for
from flask_babel import gettext as _

from app.core.export import client_export_json, export_filename
from app.core.htmx import render_page
from app.core.i18n import use_language
from app.portal import bp
from app.portal.realm import client_required, current_client
from app.portal.requests import asking
from app.portal.requests.forms import CorrectionForm

_ASKED_TEXTS = {
    "download": lambda: _(
        "You have already asked for a copy of your data. We will email you as soon as "
        "it has been looked at."
    ),
    "deletion": lambda: _(
        "You have already asked us to delete your data. We will email you as soon as "
        "it has been looked at."
    ),
}


def _client():
    client = current_client()
    use_language(client.preferred_language)
    return client


def _back_to_page():
    return redirect(url_for("portal.me", _anchor="your-data"), 303)


def _ask(kind: str, template: str):
    """GET: what asking means, and a button to confirm. POST: the request."""
    client = _client()
    if request.method == "POST":
        try:
            asking.ask(client, kind)
        except asking.RequestRefused as refused:
            if refused.code != "already_asked":
                abort(404)
            return render_page(
                template, "ask", status=409, client=client, message=_ASKED_TEXTS[kind]()
            )
        return _back_to_page()
    return render_page(template, "ask", client=client, message=None)


@bp.route("/requests/download", methods=["GET", "POST"])
@client_required
def ask_download():
    return _ask("download", "portal/requests/ask_download.html")


@bp.route("/requests/deletion", methods=["GET", "POST"])
@client_required
def ask_deletion():
    return _ask("deletion", "portal/requests/ask_deletion.html")


@bp.route("/requests/correction", methods=["GET", "POST"])
@client_required
def suggest_correction():
    client = _client()
    form = CorrectionForm()
    message = None
    if not form.is_submitted():
        form.fill_from(client)
    elif form.validate_on_submit():
        try:
            asking.suggest_correction(client, form.values())
        except asking.RequestRefused as refused:
            if refused.code != "nothing_changed":
                abort(404)
            message = _("You have not changed anything yet: change the details that are wrong.")
        else:
            return _back_to_page()
    status = 422 if form.is_submitted() else 200
    return render_page(
        "portal/requests/correction.html",
        "correction_form",
        status=status,
        client=client,
        form=form,
        message=message,
    )


@bp.get("/requests/<id:request_id>/download")
@client_required
def request_download(request_id: int):
    """The approved copy: the signed-in client's own request, with the emailed token,
    before it expires; anything else is a plain 404. The token rides in the query
    string, which the request log leaves out."""
    client = _client()
    data_request = asking.download_for(client.id, request_id, request.args.get("token", ""))
    if data_request is None:
        abort(404)
    asking.record_download(client, data_request)
    response = make_response(client_export_json(client))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(client, "json")}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
