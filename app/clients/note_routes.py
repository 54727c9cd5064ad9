"""HTTP for a client's notes: the older pages, add, edit (409 when a colleague saved
it since), pin and delete."""

from flask import abort, current_app, request, url_for
from flask_login import current_user

from app.clients import bp, note_ops, note_queries, rules
from app.clients.forms import NoteForm
from app.clients.profile_page import (
    deleted_meanwhile,
    form_status,
    profile_or_404,
    profile_updated,
    render_profile,
    require_notes,
)
from app.core.htmx import is_fragment_request, render_page
from app.core.permissions import Permission, requires


@bp.get("/<id:client_id>/notes")
@requires(Permission.VIEW_CLIENTS)
def notes(client_id: int):
    """Older notes: the next page for htmx, the Overview showing that page otherwise."""
    before = request.args.get("before") or None
    size = current_app.config["NOTES_PAGE_SIZE"]
    try:
        page = note_queries.notes_page(client_id, before, size)
    except ValueError:
        abort(400)
    row = profile_or_404(client_id)
    if is_fragment_request() and before:
        return render_page(
            "clients/show.html",
            "notes_page",
            client=row.Client,
            notes=page,
            may_note=rules.may_add_notes(current_user, row.Client),
        )
    return render_profile(row, "overview", notes=page)


@bp.route("/<id:client_id>/notes/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new_note(client_id: int):
    row = profile_or_404(client_id)
    require_notes(row)
    form = NoteForm()
    if form.validate_on_submit():
        note_ops.add_note(row.Client, form.body.data, current_user, pinned=form.pinned.data)
        return profile_updated(client_id)
    return render_profile(row, "overview", status=form_status(form), note_form=form)


def _note_or_404(client_id: int, note_id: int):
    found = note_queries.note(client_id, note_id)
    if found is None:
        if note_queries.note_was_deleted(client_id, note_id):
            abort(deleted_meanwhile(client_id, "note"))  # the page showing it is stale
        abort(404)
    return found


@bp.route("/<id:client_id>/notes/<id:note_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit_note(client_id: int, note_id: int):
    row = profile_or_404(client_id)
    require_notes(row)
    note = _note_or_404(client_id, note_id).Note
    form = NoteForm(prefix=f"note-{note_id}")
    if request.method == "GET":
        form.body.data, form.version.data = note.body, str(note.version)
    elif form.seen_version() is None:
        abort(400)  # without the version it was loaded at, a save would overwrite blindly
    elif form.validate_on_submit():
        try:
            note_ops.edit_note(note, form.body.data, current_user, form.seen_version())
        except note_ops.NoteConflict as conflict:
            form.version.data = str(conflict.version)
            return render_profile(
                row,
                "overview",
                status=409,
                note_form=form,
                editing_note=note_id,
                note_conflict=conflict.saved_body,
            )
        return profile_updated(client_id)
    return render_profile(
        row, "overview", status=form_status(form), note_form=form, editing_note=note_id
    )


@bp.post("/<id:client_id>/notes/<id:note_id>/pin")
@requires(Permission.EDIT_CLIENTS)
def pin_note(client_id: int, note_id: int):
    row = profile_or_404(client_id)
    require_notes(row)
    note = _note_or_404(client_id, note_id).Note
    note_ops.set_note_pinned(note, request.form.get("pinned") == "1", current_user)
    return profile_updated(client_id)


@bp.route("/<id:client_id>/notes/<id:note_id>/delete", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def delete_note(client_id: int, note_id: int):
    """GET asks for confirmation (without JavaScript); POST deletes."""
    row = profile_or_404(client_id)
    require_notes(row)
    found = _note_or_404(client_id, note_id)
    if request.method == "POST":
        note_ops.delete_note(found.Note, current_user)
        return profile_updated(client_id)
    return render_page(
        "clients/confirm.html",
        "confirm",
        client=row.Client,
        title="Delete this note?",
        message=f"The note by {found.author or 'a former staff member'} will be deleted for good.",
        action=url_for("clients.delete_note", client_id=client_id, note_id=note_id),
        button="Delete note",
        fields=None,
    )
