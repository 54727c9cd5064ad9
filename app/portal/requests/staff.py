"""Settings → Requests: the staff queue of clients' data-rights requests (owner and
manager), where each is approved or declined."""

from flask import abort, redirect, url_for
from flask_login import current_user

from app.clients.api import EditConflict
from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.core.settings_pages import bp
from app.models import DATA_REQUEST_KINDS, DATA_REQUEST_STATUSES, DataRequest
from app.portal.requests import asking, corrections, deciding, queries
from app.portal.requests.forms import ApproveForm, DeclineForm


def correction_lines(data_request: DataRequest, client) -> list[dict]:
    """Each proposed field: its value when asked, now, and proposed; `changed` when the
    profile's value moved since the client asked."""
    lines = []
    for field, (asked, proposed) in asking.proposed_changes(data_request).items():
        now = asking.plain_value(getattr(client, field))
        lines.append(
            {
                "field": field,
                "asked": asked,
                "now": now,
                "proposed": proposed,
                "changed": now != asked,
                "already": now == proposed,
            }
        )
    return lines


def _forms_for(row, approve_form=None, decline_form=None):
    data_request = row.DataRequest
    fields = (
        list(asking.proposed_changes(data_request)) if data_request.kind == "correction" else []
    )
    if approve_form is None:
        approve_form = ApproveForm(
            prefix=f"approve-{data_request.id}", formdata=None, fields=fields
        )
        approve_form.fields.data = fields
        approve_form.version.data = str(row.Client.version)
    if decline_form is None:
        decline_form = DeclineForm(prefix=f"decline-{data_request.id}", formdata=None)
    return approve_form, decline_form


def _queue_page(status=200, forms=None, message=None, message_for=None):
    forms = forms or {}
    open_rows, decided_rows = queries.queue()
    items = []
    for row in open_rows:
        approve_form, decline_form = _forms_for(row, *forms.get(row.DataRequest.id, (None, None)))
        items.append(
            {
                "row": row,
                "approve_form": approve_form,
                "decline_form": decline_form,
                "lines": correction_lines(row.DataRequest, row.Client)
                if row.DataRequest.kind == "correction"
                else [],
                "message": message if message_for == row.DataRequest.id else None,
            }
        )
    return render_page(
        "portal/requests/queue.html",
        "request_queue",
        status=status,
        items=items,
        decided=decided_rows,
        kinds=DATA_REQUEST_KINDS,
        statuses=DATA_REQUEST_STATUSES,
        may_erase=deciding.may_approve_deletion(current_user),
        page_message=message if message_for is None else None,
        open_limit=queries.QUEUE_OPEN_LIMIT,
        decided_limit=queries.QUEUE_DECIDED_LIMIT,
    )


@bp.get("/requests")
@requires(Permission.MANAGE_SETTINGS)
def data_requests():
    return _queue_page()


def _request_or_404(request_id: int) -> DataRequest:
    data_request = db.session.get(DataRequest, request_id)
    if data_request is None:
        abort(404)
    return data_request


def _already_decided(request_id: int):
    row = queries.queue_row(request_id)
    if row is None:
        text = "This request is no longer there: the client's data was erased meanwhile."
    else:
        decided = row.DataRequest
        who = row.decided_by or "another staff member"
        verb = DATA_REQUEST_STATUSES.get(decided.status, decided.status).lower()
        text = f"Someone was quicker: {who} {verb} this request meanwhile. Nothing was changed."
    return _queue_page(status=409, message=text)


@bp.post("/requests/<id:request_id>/approve")
@requires(Permission.MANAGE_SETTINGS)
def approve_data_request(request_id: int):
    data_request = _request_or_404(request_id)
    if data_request.status != "open":
        return _already_decided(request_id)
    fields = (
        list(asking.proposed_changes(data_request)) if data_request.kind == "correction" else []
    )
    form = ApproveForm(prefix=f"approve-{request_id}", fields=fields)
    forms = {request_id: (form, None)}
    if not form.validate_on_submit():
        return _queue_page(status=422, forms=forms)
    if data_request.kind == "deletion" and not deciding.may_approve_deletion(current_user):
        abort(403)
    try:
        if data_request.kind == "download":
            deciding.approve_download(data_request, form.note.data, current_user)
        elif data_request.kind == "deletion":
            deciding.approve_deletion(data_request, form.note.data, current_user)
        else:
            corrections.approve_correction(
                data_request,
                form.fields.data or [],
                form.note.data,
                current_user,
                seen_version=form.seen_version(),
            )
    except deciding.AlreadyDecided:
        return _already_decided(request_id)
    except deciding.DecisionRefused as refused:
        return _queue_page(status=422, forms=forms, message=str(refused), message_for=request_id)
    except EditConflict:
        db.session.rollback()
        return _queue_page(
            status=409,
            message="The profile was changed while this page was open. The values below "
            "are the current ones: check them and approve again.",
            message_for=request_id,
        )
    return redirect(url_for("settings.data_requests"), 303)


@bp.post("/requests/<id:request_id>/decline")
@requires(Permission.MANAGE_SETTINGS)
def decline_data_request(request_id: int):
    data_request = _request_or_404(request_id)
    if data_request.status != "open":
        return _already_decided(request_id)
    form = DeclineForm(prefix=f"decline-{request_id}")
    forms = {request_id: (None, form)}
    if not form.validate_on_submit():
        return _queue_page(status=422, forms=forms)
    try:
        deciding.decline(data_request, form.reason.data, current_user)
    except deciding.AlreadyDecided:
        return _already_decided(request_id)
    except deciding.DecisionRefused as refused:
        form.reason.errors = [str(refused)]
        return _queue_page(status=422, forms=forms)
    return redirect(url_for("settings.data_requests"), 303)
