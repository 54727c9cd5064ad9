"""HTTP for clients: the list and search, and the profile's own tabs (Overview and
Activity, with the timeline). The profile's other routes (details, notes, labels, alerts,
lock, trash, erasure, export) live in the *_routes modules imported at the bottom."""

from flask import abort, current_app, request
from flask_login import current_user

from app.clients import bp, label_queries, list_queries, profile_queries, timeline_queries
from app.clients.profile_page import parse_ids, profile_view_or_404, render_profile
from app.clients.row_menu import row_menus
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import ProfileTab
from app.core.paths import parse_id
from app.core.permissions import Permission, requires
from app.core.timeline import ACTIVITY_FILTERS

# The profile's own tabs; the other areas register theirs (app/core/parts.py).
OVERVIEW_TAB = ProfileTab("overview", "Overview", "clients.show", order=0)
ACTIVITY_TAB = ProfileTab("activity", "Activity", "clients.activity", order=900)
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


def list_filter_from(values) -> list_queries.ListFilter:
    """The list's view and labels as its URL carries them (`values`: request.args, or a
    form that carries them on, like the export's); 400 for a label that is not an id."""
    view = values.get("show", "active")
    if view not in list_queries.LIST_VIEWS:
        view = "active"
    label_ids = parse_ids(values.getlist("label")[:MAX_LABEL_FILTERS])
    return list_queries.ListFilter(view=view, label_ids=tuple(sorted(label_ids)))


def _list_filter() -> list_queries.ListFilter:
    return list_filter_from(request.args)


@bp.get("")
@requires(Permission.VIEW_CLIENTS)
def index():
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    after_id = _after_id()
    list_filter = _list_filter()
    page = list_queries.client_page(query, after_id, current_app.config["PAGE_SIZE"], list_filter)
    # The first page swaps the whole result table; later pages replace the sentinel row.
    block = "client_page" if after_id else "client_results"
    return render_page(
        "clients/index.html",
        block,
        q=query,
        page=page,
        after_id=after_id,
        list_filter=list_filter,
        list_views=list_queries.LIST_VIEWS,
        # The filter's labels and counts sit outside the results an htmx request swaps.
        labels=[] if is_fragment_request() else label_queries.label_counts(),
        max_query_length=MAX_QUERY_LENGTH,
        menus=row_menus(page.rows, current_user._get_current_object()),
    )


def draw_profile_tab(client_id: int, tab: str, status: int = 200, **tab_extra):
    """The profile shell the core's render_profile_tab() draws an area's tab with."""
    row = profile_view_or_404(client_id, tab)
    return render_profile(row, tab, status=status, tab_extra=tab_extra)


@bp.get("/<id:client_id>")
@requires(Permission.VIEW_CLIENTS)
def show(client_id: int):
    return render_profile(profile_view_or_404(client_id, "overview"), "overview")


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
    row = profile_view_or_404(client_id, "activity")
    return render_profile(row, "activity", activity_filter=kind)


@bp.get("/<id:client_id>/activity/timeline")
@requires(Permission.VIEW_CLIENTS)
def timeline(client_id: int):
    before = request.args.get("before") or None
    kind, verbs = _activity_filter()
    # A page of events for htmx needs no profile: one query fewer.
    row = None if is_fragment_request() else profile_view_or_404(client_id)
    try:
        page = timeline_queries.timeline_page(
            client_id, before, current_app.config["TIMELINE_PAGE_SIZE"], verbs
        )
    except ValueError:
        abort(400)
    if row is None:
        if not page.rows and profile_queries.profile_view(client_id) is None:
            abort(404)
        return render_page(
            "clients/show.html",
            "timeline_page",
            client_id=client_id,
            timeline=page,
            timeline_before=before,
            activity_filter=kind,
        )
    return render_profile(
        row, "activity", timeline=page, timeline_before=before, activity_filter=kind
    )


# The profile's other routes, on the same blueprint: importing this module (as
# app/clients/__init__.py does) registers them all.
from app.clients import (  # noqa: E402, F401
    alert_routes,
    detail_routes,
    label_routes,
    note_routes,
    privacy_routes,
)
