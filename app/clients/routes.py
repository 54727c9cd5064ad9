"""HTTP for clients: parse, authorize, call ops/queries, render."""

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from app.clients import bp, ops, queries
from app.clients.forms import ClientForm
from app.htmx import is_fragment_request, render_page
from app.paths import MAX_ID
from app.permissions import Permission, requires

PROFILE_TABS = ("overview", "sessions", "activity")
MAX_QUERY_LENGTH = 100


def _after_id() -> int | None:
    after = request.args.get("after", "")
    if not after:
        return None
    if not after.isdigit() or not 0 < int(after) <= MAX_ID:
        abort(400)
    return int(after)


@bp.get("")
@requires(Permission.VIEW_CLIENTS)
def index():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    after_id = _after_id()
    page = queries.client_page(query, after_id, current_app.config["PAGE_SIZE"])
    # The first page swaps the whole result table; later pages replace the sentinel row.
    block = "client_page" if after_id else "client_results"
    return render_page(
        "clients/index.html",
        block,
        q=query,
        page=page,
        after_id=after_id,
        max_query_length=MAX_QUERY_LENGTH,
    )


def _profile_or_404(client_id: int):
    row = queries.profile(client_id)
    if row is None:
        abort(404)
    return row


def _render_profile(row, tab: str, block: str = "profile_tab", status: int = 200, **context):
    if tab not in PROFILE_TABS:
        abort(404)
    for name in ("form", "timeline", "timeline_before", "refresh_header", "conflict"):
        context.setdefault(name, None)
    return render_page(
        "clients/show.html",
        block,
        status=status,
        client=row.Client,
        client_id=row.Client.id,
        created_by=row.created_by,
        updated_by=row.updated_by,
        tab=tab,
        **context,
    )


@bp.get("/<id:client_id>")
@requires(Permission.VIEW_CLIENTS)
def show(client_id: int):
    return _render_profile(_profile_or_404(client_id), "overview")


@bp.get("/<id:client_id>/sessions")
@requires(Permission.VIEW_CLIENTS)
def sessions(client_id: int):
    return _render_profile(_profile_or_404(client_id), "sessions")


@bp.get("/<id:client_id>/activity")
@requires(Permission.VIEW_CLIENTS)
def activity(client_id: int):
    # The panel holds a sentinel that loads the first page when it comes into view.
    return _render_profile(_profile_or_404(client_id), "activity")


@bp.get("/<id:client_id>/activity/timeline")
@requires(Permission.VIEW_CLIENTS)
def timeline(client_id: int):
    before = request.args.get("before") or None
    # A page of events for htmx needs no profile: one query fewer.
    row = None if is_fragment_request() else _profile_or_404(client_id)
    try:
        page = queries.timeline_page(client_id, before, current_app.config["TIMELINE_PAGE_SIZE"])
    except ValueError:
        abort(400)
    if row is None:
        if not page.rows and queries.profile(client_id) is None:
            abort(404)
        return render_page(
            "clients/show.html",
            "timeline_page",
            client_id=client_id,
            timeline=page,
            timeline_before=before,
        )
    return _render_profile(row, "activity", timeline=page, timeline_before=before)


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
    client = row.Client
    form = ClientForm()
    if request.method == "GET":
        form.fill_from(client)
    elif form.validate_on_submit():
        try:
            ops.update_client(
                client, form.values(), current_user, expected_version=form.seen_version()
            )
        except ops.EditConflict as conflict:
            return _edit_conflict(client_id, form, conflict)
        if not is_fragment_request():
            return redirect(url_for("clients.show", client_id=client_id), 303)
        response = _render_profile(queries.profile(client_id), "overview", refresh_header=True)
        response.headers["HX-Push-Url"] = url_for("clients.show", client_id=client_id)
        return response
    status = 422 if form.is_submitted() else 200
    return _render_profile(row, "overview", status=status, form=form)


def _edit_conflict(client_id: int, form: ClientForm, conflict):
    """409: the form keeps what was typed, beside what the other person saved; saving
    again (the form now carries the current version) applies the typed values."""
    typed = form.values()
    differences = [
        (field, conflict.saved[field], typed[field])
        for field in typed
        if conflict.saved[field] != typed[field]
    ]
    form.version.data = str(conflict.version)
    return _render_profile(
        queries.profile(client_id),
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
