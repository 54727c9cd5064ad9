"""The profile page as the clients' routes draw it: finding the profile (404, or the
profile a merged one leads to), rendering it with its tab, cards, header and the
Overview's open editor (each editor a fragment of its own), the answer after a write,
and the small answers the profile's routes share (the 403s of the lock and the trash, a
redirect after a post, a form's status, ids sent as a list). A write to a note or alert
deleted meanwhile is answered here too: the profile as it is now."""

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.clients import alert_queries, bp, note_queries, profile_queries, row_locks, rules
from app.clients.completeness import missing_items
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import (
    actions_for,
    card_context,
    cards_for,
    header_cards_for,
    tab_context,
    tab_named,
    tabs_for,
)
from app.core.paths import parse_id
from app.core.permissions import can
from app.core.timeline import ACTIVITY_FILTERS
from app.core.urls import ClientUrls


def parse_ids(values: list[str]) -> set[int]:
    """Record ids sent as a list (label filters, ticked labels); 400 for anything else."""
    ids = {parse_id(value) for value in values}
    if None in ids:
        abort(400)
    return ids


def profile_or_404(client_id: int):
    row = profile_queries.profile(client_id)
    if row is None:
        abort(404)
    _redirect_if_merged(row.Client)
    return row


def profile_view_or_404(client_id: int, tab: str | None = None):
    """For pages that only show the client (the most visited ones): no ORM object; with
    the columns of the cards a page of `tab` draws (the header's on a whole page)."""
    row = profile_queries.profile_view(client_id, tab, header=not is_fragment_request())
    if row is None:
        abort(404)
    _redirect_if_merged(row.Client)
    return row


def _redirect_if_merged(client) -> None:
    """A merged profile's pages lead to the profile it was merged into (a write to it
    is refused like one to a profile in the trash)."""
    if client.merged_into_id is None or request.method not in ("GET", "HEAD"):
        return
    survivor_id = profile_queries.merged_survivor(client.merged_into_id)
    arguments = {**(request.view_args or {}), "client_id": survivor_id}
    abort(redirect(url_for(request.endpoint, **arguments), 302))


# The Overview's editors, each drawn by a fragment of its own that is included only while
# it is open: the keyword a route passes the editor's form as, the editor's name and
# fragment, and the other keywords the fragment reads (None when the route leaves one
# out). A note's editor is the new note's unless the route names the note it edits.
_EDITORS = {
    "form": ("details", "clients/_editor_details.html", ("conflict",)),
    "alert_form": ("alert", "clients/_editor_alert.html", ("editing_alert",)),
    "booking_form": ("booking", "clients/_editor_booking.html", ("booking_next",)),
    "note_form": ("new_note", "clients/_editor_new_note.html", ()),
}
_NOTE_EDITOR = ("note", "clients/_editor_note.html", ("editing_note", "note_conflict"))


def _open_editor(keywords: dict) -> dict | None:
    """The editor a route opened (at most one) as the Overview's templates read it: its
    name, its fragment, its form and the rest of its own context; None for none."""
    editor = None
    for form_keyword, (name, template, names) in _EDITORS.items():
        if form_keyword in keywords:
            if form_keyword == "note_form" and keywords.get("editing_note") is not None:
                name, template, names = _NOTE_EDITOR
            editor = {"name": name, "template": template, "form": keywords.pop(form_keyword)}
            editor.update((other, keywords.pop(other, None)) for other in names)
            break
    if keywords:
        raise TypeError(f"render_profile() got unexpected keywords: {', '.join(sorted(keywords))}")
    return editor


def _tab_part(tab: str):
    """The registered tab named `tab`: 404 for no such tab, 403 for one this staff member
    may not see."""
    part = tab_named(tab)
    if part is None:
        abort(404)
    if not can(current_user, part.permission):
        abort(403)
    return part


def _loaded(parts, client, joined_columns, values) -> list:
    """The parts shown for this client, each with its context."""
    return [
        (part, card_context(part, client, joined_columns, values))
        for part in parts
        if part.shown(client)
    ]


# The keywords of render_profile() are what a route has to show: the header redrawn after
# a write (refresh_header), a page of notes, the label picker's labels, the lock form with
# its errors, a refused restore, a note or alert deleted meanwhile, the Activity tab's
# filter and page of the timeline; and at most one editor of the Overview, opened by the
# keyword its form is passed as (see _EDITORS).
def render_profile(
    row,
    tab: str,
    block: str = "profile_tab",
    status: int = 200,
    tab_extra=None,
    *,
    refresh_header: bool = False,
    notes=None,
    label_picker=None,
    lock_form=None,
    restore_error=None,
    deleted_meanwhile=None,
    activity_filter: str = "",
    timeline=None,
    timeline_before=None,
    **editor_keywords,
):
    """The profile with `tab` open: the whole page, or its `block` for htmx."""
    part = _tab_part(tab)
    editor = _open_editor(editor_keywords)
    client = row.Client
    if tab == "overview" and notes is None and not client.is_erased:
        notes = note_queries.profile_notes(row, current_app.config["NOTES_PAGE_SIZE"])
    # Registered parts load only what they show: a tab's data on its tab, cards on the
    # Overview (not while the details editor replaces the cards).
    whole_tab = block == "profile_tab"
    joined_columns, values = profile_queries.joined_values(row)
    editing_details = editor is not None and editor["name"] == "details"
    cards = []
    if whole_tab and tab == "overview" and not client.is_erased and not editing_details:
        cards = _loaded(cards_for(current_user), client, joined_columns, values)
    # The header's cards load only when the header is drawn: the whole page, or an update
    # after a write (refresh_header); a tab's own fragment leaves the header as it is.
    header_cards = []
    if (not is_fragment_request() or refresh_header) and not client.is_erased:
        header_cards = _loaded(header_cards_for(current_user), client, joined_columns, values)
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
        labels=profile_queries.profile_labels(row),
        alerts=alert_queries.open_alerts(client),
        missing=missing_items(client),
        may_edit=rules.may_change_details(current_user, client),
        may_note=rules.may_add_notes(current_user, client),
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
        editor=editor,
        refresh_header=refresh_header,
        notes=notes,
        label_picker=label_picker,
        lock_form=lock_form,
        restore_error=restore_error,
        deleted_meanwhile=deleted_meanwhile,
        activity_filter=activity_filter,
        timeline=timeline,
        timeline_before=timeline_before,
    )


def profile_updated(client_id: int, **context):
    """After a write: htmx gets the fresh Overview and header, a plain form a redirect."""
    location = url_for("clients.show", client_id=client_id)
    if not is_fragment_request():
        return redirect(location, 303)
    response = render_profile(profile_or_404(client_id), "overview", refresh_header=True, **context)
    response.headers["HX-Push-Url"] = location
    return response


def require_details(row) -> None:
    """403 for everyone the lock (or the trash) keeps out of the profile's details."""
    if not rules.may_change_details(current_user, row.Client):
        abort(403)


def require_notes(row) -> None:
    if not rules.may_add_notes(current_user, row.Client):
        abort(403)


def redirect_after_post(location: str):
    """303 for a plain form post; htmx follows HX-Redirect with a full page load."""
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)


def form_status(form) -> int:
    return 422 if form.is_submitted() else 200


@bp.errorhandler(row_locks.DeletedMeanwhile)
def _gone_under_the_write(error):
    # Deleted after the route found it, while the write waited for the client's lock.
    return deleted_meanwhile(request.view_args["client_id"], error.kind)


def deleted_meanwhile(client_id: int, kind: str):
    """The profile as it is now, saying that the note (or alert) is gone. 409, not 404:
    the layout's htmx config swaps a 409 (like a 422) into the page, and the person
    should see the notes as they are now rather than a toast over a stale list."""
    row = profile_queries.profile(client_id)
    if row is None:  # clients are never deleted (erasure keeps the row), but to be sure
        return current_app.handle_user_exception(NotFound())
    return render_profile(row, "overview", status=409, deleted_meanwhile=kind)
