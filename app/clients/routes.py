"""HTTP for clients: parse, authorize, call ops/queries, render."""

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.clients import bp, ops, queries
from app.clients.completeness import missing_items
from app.clients.forms import (
    AlertForm,
    BookingPolicyForm,
    ClientForm,
    EraseForm,
    LockForm,
    NoteForm,
)
from app.clients.row_menu import row_menus
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import (
    ProfileTab,
    actions_for,
    card_context,
    cards_for,
    header_cards_for,
    register_tab,
    tab_context,
    tab_named,
    tabs_for,
)
from app.core.paths import parse_id, safe_next_path
from app.core.permissions import Permission, can, requires
from app.core.timeline import ACTIVITY_FILTERS
from app.core.urls import ClientUrls
from app.models import BOOKING_POLICIES

# The profile's own tabs; the other areas register theirs (app/core/parts.py).
register_tab(ProfileTab("overview", "Overview", "clients.show", order=0))
register_tab(ProfileTab("activity", "Activity", "clients.activity", order=900))
MAX_QUERY_LENGTH = 100
MAX_LABEL_FILTERS = 10


def _after_id() -> int | None:
    after = request.args.get("after", "")
    if not after:
        return None
    after_id = parse_id(after)
    if after_id is None:
        abort(400)
    return after_id


def list_filter_from(values) -> queries.ListFilter:
    """The list's view and labels as its URL carries them (`values`: request.args, or a
    form that carries them on, like the export's); 400 for a label that is not an id."""
    view = values.get("show", "active")
    if view not in queries.LIST_VIEWS:
        view = "active"
    label_ids = _ids(values.getlist("label")[:MAX_LABEL_FILTERS])
    return queries.ListFilter(view=view, label_ids=tuple(sorted(label_ids)))


def _list_filter() -> queries.ListFilter:
    return list_filter_from(request.args)


def _ids(values: list[str]) -> set[int]:
    """Record ids sent as a list (label filters, ticked labels); 400 for anything else."""
    ids = {parse_id(value) for value in values}
    if None in ids:
        abort(400)
    return ids


@bp.get("")
@requires(Permission.VIEW_CLIENTS)
def index():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    after_id = _after_id()
    list_filter = _list_filter()
    page = queries.client_page(query, after_id, current_app.config["PAGE_SIZE"], list_filter)
    # The first page swaps the whole result table; later pages replace the sentinel row.
    block = "client_page" if after_id else "client_results"
    return render_page(
        "clients/index.html",
        block,
        q=query,
        page=page,
        after_id=after_id,
        list_filter=list_filter,
        list_views=queries.LIST_VIEWS,
        # The filter's labels and counts sit outside the results an htmx request swaps.
        labels=[] if is_fragment_request() else queries.label_counts(),
        max_query_length=MAX_QUERY_LENGTH,
        menus=row_menus(page.rows, current_user._get_current_object()),
    )


def _profile_or_404(client_id: int):
    row = queries.profile(client_id)
    if row is None:
        abort(404)
    _redirect_if_merged(row.Client)
    return row


def _profile_view_or_404(client_id: int, tab: str | None = None):
    """For pages that only show the client (the most visited ones): no ORM object; with
    the columns of the cards a page of `tab` draws (the header's on a whole page)."""
    row = queries.profile_view(client_id, tab, header=not is_fragment_request())
    if row is None:
        abort(404)
    _redirect_if_merged(row.Client)
    return row


def _redirect_if_merged(client) -> None:
    """A merged profile's pages lead to the profile it was merged into (a write to it
    is refused like one to a profile in the trash)."""
    if client.merged_into_id is None or request.method not in ("GET", "HEAD"):
        return
    survivor_id = queries.merged_survivor(client.merged_into_id)
    arguments = {**(request.view_args or {}), "client_id": survivor_id}
    abort(redirect(url_for(request.endpoint, **arguments), 302))


# What the profile template expects; views pass the ones they have.
_PROFILE_CONTEXT = (
    "form",
    "timeline",
    "timeline_before",
    "refresh_header",
    "conflict",
    "note_form",
    "editing_note",
    "note_conflict",
    "alert_form",
    "editing_alert",
    "booking_form",
    "booking_next",
    "label_picker",
    "notes",
    "lock_form",
    "restore_error",
    "deleted_meanwhile",
)


def _render_profile(
    row, tab: str, block: str = "profile_tab", status: int = 200, tab_extra=None, **context
):
    part = tab_named(tab)
    if part is None:
        abort(404)
    if not can(current_user, part.permission):
        abort(403)
    for name in _PROFILE_CONTEXT:
        context.setdefault(name, None)
    client = row.Client
    if tab == "overview" and context["notes"] is None and not client.is_erased:
        context["notes"] = queries.profile_notes(row, current_app.config["NOTES_PAGE_SIZE"])
    context.setdefault("activity_filter", "")
    # Registered parts load only what they show: a tab's data on its tab, cards on the
    # Overview (not while an editor replaces the cards).
    whole_tab = block == "profile_tab"
    joined_columns, values = queries.joined_values(row)
    cards = []
    if whole_tab and tab == "overview" and not client.is_erased and context["form"] is None:
        cards = [
            (card, card_context(card, client, joined_columns, values))
            for card in cards_for(current_user)
            if card.shown(client)
        ]
    # The header's cards load only when the header is drawn: the whole page, or an update
    # after a write (refresh_header); a tab's own fragment leaves the header as it is.
    header_cards = []
    if (not is_fragment_request() or context["refresh_header"]) and not client.is_erased:
        header_cards = [
            (card, card_context(card, client, joined_columns, values))
            for card in header_cards_for(current_user)
            if card.shown(client)
        ]
    return render_page(
        "clients/show.html",
        block,
        status=status,
        client=client,
        client_id=client.id,
        urls=ClientUrls(client.id),
        created_by=row.created_by,
        updated_by=row.updated_by,
        locked_by=row.locked_by,
        deleted_by=row.deleted_by,
        labels=queries.profile_labels(row),
        alerts=queries.open_alerts(client),
        missing=missing_items(client),
        may_edit=ops.may_change_details(current_user, client),
        may_note=ops.may_add_notes(current_user, client),
        activity_filters=[("", "All")]
        + [(kind, name) for kind, (name, _) in ACTIVITY_FILTERS.items()],
        tab=tab,
        profile_tabs=tabs_for(current_user),
        tab_part=part,
        tab_data={
            **(tab_context(part, client, joined_columns, values) if whole_tab else {}),
            **(tab_extra or {}),
        },
        profile_actions=actions_for(current_user),
        overview_cards=cards,
        header_cards=header_cards,
        **context,
    )


def draw_profile_tab(client_id: int, tab: str, status: int = 200, **tab_extra):
    """The profile shell the core's render_profile_tab() draws an area's tab with."""
    row = _profile_view_or_404(client_id, tab)
    return _render_profile(row, tab, status=status, tab_extra=tab_extra)


def _profile_updated(client_id: int, **context):
    """After a write: htmx gets the fresh Overview and header, a plain form a redirect."""
    location = url_for("clients.show", client_id=client_id)
    if not is_fragment_request():
        return redirect(location, 303)
    response = _render_profile(
        _profile_or_404(client_id), "overview", refresh_header=True, **context
    )
    response.headers["HX-Push-Url"] = location
    return response


def _require_details(row) -> None:
    """403 for everyone the lock (or the trash) keeps out of the profile's details."""
    if not ops.may_change_details(current_user, row.Client):
        abort(403)


def _require_notes(row) -> None:
    if not ops.may_add_notes(current_user, row.Client):
        abort(403)


@bp.get("/<id:client_id>")
@requires(Permission.VIEW_CLIENTS)
def show(client_id: int):
    return _render_profile(_profile_view_or_404(client_id, "overview"), "overview")


def _activity_filter() -> tuple[str, tuple[str, ...]]:
    kind = request.args.get("kind", "")
    if kind and kind not in ACTIVITY_FILTERS:
        abort(404)
    return kind, ACTIVITY_FILTERS[kind][1] if kind else ()


@bp.get("/<id:client_id>/activity")
@requires(Permission.VIEW_CLIENTS)
def activity(client_id: int):
    # The panel holds a sentinel that loads the first page when it comes into view.
    kind, _verbs = _activity_filter()
    row = _profile_view_or_404(client_id, "activity")
    return _render_profile(row, "activity", activity_filter=kind)


@bp.get("/<id:client_id>/activity/timeline")
@requires(Permission.VIEW_CLIENTS)
def timeline(client_id: int):
    before = request.args.get("before") or None
    kind, verbs = _activity_filter()
    # A page of events for htmx needs no profile: one query fewer.
    row = None if is_fragment_request() else _profile_view_or_404(client_id)
    try:
        page = queries.timeline_page(
            client_id, before, current_app.config["TIMELINE_PAGE_SIZE"], verbs
        )
    except ValueError:
        abort(400)
    if row is None:
        if not page.rows and queries.profile_view(client_id) is None:
            abort(404)
        return render_page(
            "clients/show.html",
            "timeline_page",
            client_id=client_id,
            timeline=page,
            timeline_before=before,
            activity_filter=kind,
        )
    return _render_profile(
        row, "activity", timeline=page, timeline_before=before, activity_filter=kind
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new():
    form = ClientForm()
    error = None
    if form.validate_on_submit():
        try:
            client = ops.create_client(form.values(), current_user)
        except ops.ClientLimitReached as limit:
            error = str(limit)
        else:
            return _redirect(url_for("clients.show", client_id=client.id))
    status = 422 if form.is_submitted() else 200
    return render_page("clients/new.html", "client_form", status=status, form=form, error=error)


@bp.route("/<id:client_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit(client_id: int):
    row = _profile_or_404(client_id)
    _require_details(row)
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
            ops.update_client(
                client, form.values(), current_user, expected_version=form.seen_version()
            )
        except ops.EditConflict as conflict:
            return _edit_conflict(client_id, form, conflict)
        return _profile_updated(client_id)
    status = 422 if form.is_submitted() else 200
    return _render_profile(row, "overview", status=status, form=form)


def _edit_conflict(client_id: int, form: ClientForm, conflict):
    """409: the fields both people changed, theirs beside yours. The form now holds
    your changes over everything saved since (other fields show the colleague's
    values), and the current version, so saving again applies your choice."""
    typed = form.values()
    differences = [(field, conflict.saved[field], typed[field]) for field in conflict.fields]
    row = queries.profile(client_id)
    form.fill_from(row.Client, values=conflict.merged, keep=set(conflict.fields))
    return _render_profile(
        row,
        "overview",
        status=409,
        form=form,
        conflict=differences,
        refresh_header=True,  # the header shows what is saved now
    )


def _redirect(location: str):
    """303 for a plain form post; htmx follows HX-Redirect with a full page load."""
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)


def _form_status(form) -> int:
    return 422 if form.is_submitted() else 200


# --- notes --------------------------------------------------------------------------


@bp.get("/<id:client_id>/notes")
@requires(Permission.VIEW_CLIENTS)
def notes(client_id: int):
    """Older notes: the next page for htmx, the Overview showing that page otherwise."""
    before = request.args.get("before") or None
    size = current_app.config["NOTES_PAGE_SIZE"]
    try:
        page = queries.notes_page(client_id, before, size)
    except ValueError:
        abort(400)
    row = _profile_or_404(client_id)
    if is_fragment_request() and before:
        return render_page(
            "clients/show.html",
            "notes_page",
            client=row.Client,
            notes=page,
            may_note=ops.may_add_notes(current_user, row.Client),
            editing_note=None,
            note_form=None,
            note_conflict=None,
        )
    return _render_profile(row, "overview", notes=page)


@bp.route("/<id:client_id>/notes/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new_note(client_id: int):
    row = _profile_or_404(client_id)
    _require_notes(row)
    form = NoteForm()
    if form.validate_on_submit():
        ops.add_note(row.Client, form.body.data, current_user, pinned=form.pinned.data)
        return _profile_updated(client_id)
    return _render_profile(row, "overview", status=_form_status(form), note_form=form)


def _note_or_404(client_id: int, note_id: int):
    found = queries.note(client_id, note_id)
    if found is None:
        if queries.note_was_deleted(client_id, note_id):
            abort(_deleted_meanwhile(client_id, "note"))  # the page showing it is stale
        abort(404)
    return found


@bp.errorhandler(ops.DeletedMeanwhile)
def _gone_under_the_write(error):
    # Deleted after the route found it, while the write waited for the client's lock.
    return _deleted_meanwhile(request.view_args["client_id"], error.kind)


def _deleted_meanwhile(client_id: int, kind: str):
    """The profile as it is now, saying that the note (or alert) is gone. 409, not 404:
    the layout's htmx config swaps a 409 (like a 422) into the page, and the person
    should see the notes as they are now rather than a toast over a stale list."""
    row = queries.profile(client_id)
    if row is None:  # clients are never deleted (erasure keeps the row), but to be sure
        return current_app.handle_user_exception(NotFound())
    return _render_profile(row, "overview", status=409, deleted_meanwhile=kind)


@bp.route("/<id:client_id>/notes/<id:note_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit_note(client_id: int, note_id: int):
    row = _profile_or_404(client_id)
    _require_notes(row)
    note = _note_or_404(client_id, note_id).Note
    form = NoteForm(prefix=f"note-{note_id}")
    if request.method == "GET":
        form.body.data, form.version.data = note.body, str(note.version)
    elif form.seen_version() is None:
        abort(400)  # without the version it was loaded at, a save would overwrite blindly
    elif form.validate_on_submit():
        try:
            ops.edit_note(note, form.body.data, current_user, form.seen_version())
        except ops.NoteConflict as conflict:
            form.version.data = str(conflict.version)
            return _render_profile(
                row,
                "overview",
                status=409,
                note_form=form,
                editing_note=note_id,
                note_conflict=conflict.saved_body,
            )
        return _profile_updated(client_id)
    return _render_profile(
        row, "overview", status=_form_status(form), note_form=form, editing_note=note_id
    )


@bp.post("/<id:client_id>/notes/<id:note_id>/pin")
@requires(Permission.EDIT_CLIENTS)
def pin_note(client_id: int, note_id: int):
    row = _profile_or_404(client_id)
    _require_notes(row)
    note = _note_or_404(client_id, note_id).Note
    ops.set_note_pinned(note, request.form.get("pinned") == "1", current_user)
    return _profile_updated(client_id)


@bp.route("/<id:client_id>/notes/<id:note_id>/delete", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def delete_note(client_id: int, note_id: int):
    """GET asks for confirmation (without JavaScript); POST deletes."""
    row = _profile_or_404(client_id)
    _require_notes(row)
    found = _note_or_404(client_id, note_id)
    if request.method == "POST":
        ops.delete_note(found.Note, current_user)
        return _profile_updated(client_id)
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


# --- labels -------------------------------------------------------------------------


@bp.route("/<id:client_id>/labels", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def labels(client_id: int):
    """The label picker: each tick posts (htmx), or Save without JavaScript.

    The picker also sends which labels were ticked when it was drawn ("was"), so only
    what this person changed is applied: a label a colleague ticked or unticked
    meanwhile is left as they set it."""
    row = _profile_or_404(client_id)
    _require_details(row)
    if request.method == "POST":
        ticked = _ids(request.form.getlist("label"))
        was_ticked = _ids(request.form.getlist("was"))
        ops.change_client_labels(
            row.Client, current_user, add=ticked - was_ticked, remove=was_ticked - ticked
        )
        if not is_fragment_request():
            return redirect(url_for("clients.show", client_id=client_id), 303)
        row = _profile_or_404(client_id)
    picker = queries.all_labels()
    block = "label_picker" if is_fragment_request() and request.method == "POST" else "profile_tab"
    return _render_profile(row, "overview", block=block, label_picker=picker, refresh_header=True)


# --- alerts -------------------------------------------------------------------------


@bp.route("/<id:client_id>/alerts/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def new_alert(client_id: int):
    row = _profile_or_404(client_id)
    _require_details(row)
    form = AlertForm()
    if form.validate_on_submit():
        ops.add_alert(row.Client, form.severity.data, form.text.data, current_user)
        return _profile_updated(client_id)
    return _render_profile(row, "overview", status=_form_status(form), alert_form=form)


def _alert_or_404(client_id: int, alert_id: int):
    alert = queries.alert(client_id, alert_id)
    if alert is None:
        abort(404)
    return alert


@bp.route("/<id:client_id>/alerts/<id:alert_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def edit_alert(client_id: int, alert_id: int):
    row = _profile_or_404(client_id)
    _require_details(row)
    alert = _alert_or_404(client_id, alert_id)
    if alert.resolved_at is not None:
        abort(404)
    form = AlertForm(prefix=f"alert-{alert_id}")
    if request.method == "GET":
        form.severity.data, form.text.data = alert.severity, alert.text
    elif form.validate_on_submit():
        ops.edit_alert(alert, form.severity.data, form.text.data, current_user)
        return _profile_updated(client_id)
    return _render_profile(
        row, "overview", status=_form_status(form), alert_form=form, editing_alert=alert_id
    )


@bp.post("/<id:client_id>/alerts/<id:alert_id>/resolve")
@requires(Permission.EDIT_CLIENTS)
def resolve_alert(client_id: int, alert_id: int):
    row = _profile_or_404(client_id)
    _require_details(row)
    ops.resolve_alert(_alert_or_404(client_id, alert_id), current_user)
    return _profile_updated(client_id)


# --- booking policy, lock -------------------------------------------------------------


@bp.route("/<id:client_id>/booking-policy", methods=["GET", "POST"])
@requires(Permission.EDIT_CLIENTS)
def booking_policy(client_id: int):
    row = _profile_or_404(client_id)
    _require_details(row)
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
        ops.set_booking_policy(client, form.policy.data, reason, current_user)
        return _redirect(back_to) if back_to else _profile_updated(client_id)
    return _render_profile(
        row, "overview", status=_form_status(form), booking_form=form, booking_next=back_to
    )


def _lockable_or_404(client_id: int):
    """A client in the trash (or erased) is read-only and shows no lock to change: like
    restoring a client that is not in the trash, there is nothing here to act on."""
    row = _profile_or_404(client_id)
    if row.Client.deleted_at is not None:
        abort(404)
    return row


@bp.post("/<id:client_id>/lock")
@requires(Permission.EDIT_LOCKED_PROFILES)
def lock(client_id: int):
    row = _lockable_or_404(client_id)
    form = LockForm()
    if not form.validate_on_submit():
        return _render_profile(row, "overview", status=422, lock_form=form)
    ops.lock_client(row.Client, form.reason.data or None, current_user)
    return _profile_updated(client_id)


@bp.post("/<id:client_id>/unlock")
@requires(Permission.EDIT_LOCKED_PROFILES)
def unlock(client_id: int):
    row = _lockable_or_404(client_id)
    ops.unlock_client(row.Client, current_user)
    return _profile_updated(client_id)


# --- trash, erasure, export -----------------------------------------------------------


@bp.route("/<id:client_id>/delete", methods=["GET", "POST"])
@requires(Permission.DELETE_CLIENTS)
def delete(client_id: int):
    """GET asks for confirmation; POST moves the client to the trash."""
    row = _profile_or_404(client_id)
    if not ops.may_delete(current_user, row.Client):
        abort(403)
    if request.method == "POST":
        ops.delete_client(row.Client, current_user)
        return _redirect(url_for("clients.index", show="deleted"))
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
    row = _profile_or_404(client_id)
    if not row.Client.in_trash:
        abort(404)
    if not ops.may_restore(current_user, row.Client):
        abort(403)
    try:
        ops.restore_client(row.Client, current_user)
    except ops.ClientLimitReached as limit:
        return _render_profile(row, "overview", status=422, restore_error=str(limit))
    return _redirect(url_for("clients.show", client_id=client_id))


@bp.route("/<id:client_id>/erase", methods=["GET", "POST"])
@requires(Permission.ERASE_CLIENTS)
def erase(client_id: int):
    row = _profile_or_404(client_id)
    client = row.Client
    if client.is_erased:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            ops.erase_client(client, form.confirmation.data, current_user)
        except ops.ErasureNotConfirmed as error:
            form.confirmation.errors = [str(error)]
        else:
            return _redirect(url_for("clients.show", client_id=client_id))
    return render_page(
        "clients/confirm.html",
        "confirm",
        status=_form_status(form),
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

    row = _profile_or_404(client_id)
    client = row.Client
    export_format = request.form.get("format", "json")
    if export_format not in ("json", "csv"):
        abort(400)
    ops.record_export(client, export_format, current_user)
    body = client_export_json(client) if export_format == "json" else client_export_csv(client)
    response = make_response(body)
    response.mimetype = "application/json" if export_format == "json" else "text/csv"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_filename(client, export_format)}"'
    )
    return response
