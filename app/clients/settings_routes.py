"""Settings → Labels (the client groups) and Settings → Erasure log: the clients area's
Settings pages, on the core's Settings blueprint (listed in app/clients/manifest.py)."""

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.clients import label_ops, label_queries, row_locks
from app.clients.forms import LabelForm
from app.core.extensions import db
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, requires
from app.core.settings_pages import bp
from app.models import Erasure, Label, StaffMember

ERASURE_LOG_SIZE = 200


def _labels_page(status=200, new_form=None, edit_form=None, editing=None, error=None):
    return render_page(
        "settings/labels.html",
        "label_settings",
        status=status,
        labels=label_queries.label_counts(),
        # Not filled from the request: after an add, the form starts empty again.
        new_form=new_form or LabelForm(prefix="new", formdata=None),
        edit_form=edit_form,
        editing=editing,
        error=error,
    )


def _back_to_labels():
    if is_fragment_request():
        return _labels_page()
    return redirect(url_for("settings.labels"), 303)


@bp.route("/labels", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def labels():
    form = LabelForm(prefix="new")
    if form.validate_on_submit():
        try:
            label_ops.create_label(form.name.data, form.colour.data, current_user)
        except label_ops.LabelNameRefused as refused:
            form.name.errors = [str(refused)]
        else:
            return _back_to_labels()
    return _labels_page(status=422 if form.is_submitted() else 200, new_form=form)


@bp.errorhandler(row_locks.DeletedMeanwhile)
def _deleted_meanwhile(_error):
    # 409: the layout's htmx config swaps it, so the list shows the labels as they are now.
    return _labels_page(status=409, error="This label was deleted by someone else meanwhile.")


def _label_or_404(label_id: int) -> Label:
    label = db.session.get(Label, label_id)
    if label is None:
        abort(404)
    return label


@bp.route("/labels/<id:label_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def edit_label(label_id: int):
    label = _label_or_404(label_id)
    form = LabelForm(prefix=f"label-{label_id}")
    if request.method == "GET":
        form.name.data, form.colour.data = label.name, label.colour
    elif form.validate_on_submit():
        try:
            label_ops.update_label(label, form.name.data, form.colour.data, current_user)
        except label_ops.LabelNameRefused as refused:
            form.name.errors = [str(refused)]
        else:
            return _back_to_labels()
    status = 422 if form.is_submitted() else 200
    return _labels_page(status=status, edit_form=form, editing=label_id)


@bp.route("/labels/<id:label_id>/delete", methods=["GET", "POST"])
@requires(Permission.MANAGE_SETTINGS)
def delete_label(label_id: int):
    """GET asks for confirmation (without JavaScript); POST deletes."""
    label = _label_or_404(label_id)
    if request.method == "POST":
        label_ops.delete_label(label, current_user)
        return _back_to_labels()
    return render_page("settings/delete_label.html", "confirm", label=label)


@bp.get("/erasures")
@requires(Permission.ERASE_CLIENTS)
def erasures():
    rows = db.session.execute(
        select(Erasure, StaffMember.name.label("erased_by"))
        .outerjoin(StaffMember, StaffMember.id == Erasure.erased_by_id)
        .order_by(Erasure.erased_at.desc(), Erasure.id.desc())
        .limit(ERASURE_LOG_SIZE)
    ).all()
    return render_page("settings/erasures.html", "erasures", rows=rows, limit=ERASURE_LOG_SIZE)
