"""The profile page as the clients' routes draw it: finding the profile (404, or the
profile a merged one leads to), rendering it with its tab, cards and header, the answer
after a write, and the small answers the profile's routes share (the 403s of the lock
and the trash, a redirect after a post, a form's status, ids sent as a list). A write to
a note or alert deleted meanwhile is answered here too: the profile as it is now."""

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


def render_profile(
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
        context["notes"] = note_queries.profile_notes(row, current_app.config["NOTES_PAGE_SIZE"])
    context.setdefault("activity_filter", "")
    # Registered parts load only what they show: a tab's data on its tab, cards on the
    # Overview (not while an editor replaces the cards).
    whole_tab = block == "profile_tab"
    joined_columns, values = profile_queries.joined_values(row)
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
        **context,
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
