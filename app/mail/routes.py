"""HTTP for outgoing email: Settings → Outbox, and the messages of one client (the
profile's Messages tab, its pages and each message's body)."""

from flask import abort, make_response, redirect, request, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.core.profile_shell import render_profile_tab
from app.mail import bp, ops, queries
from app.mail.outbox import bodies_for_display, link_shown_in_outbox, mail_configured
from app.models import Client, OutgoingEmail, utcnow

# The HTML part shown on its own: no script, no request anywhere, nothing of this app.
EMAIL_HTML_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _email_or_404(email_id: int, client_id: int | None = None) -> OutgoingEmail:
    email = db.session.get(OutgoingEmail, email_id)
    if email is None or (client_id is not None and email.client_id != client_id):
        abort(404)
    return email


def _html_part(email: OutgoingEmail, where: str):
    _text, html = bodies_for_display(email, show_link=_shows_link(email, where))
    response = make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Settings → Outbox -------------------------------------------------------------------


@bp.get("/settings/outbox")
@requires(Permission.MANAGE_SETTINGS)
def outbox():
    status = request.args.get("status", "")
    if status not in queries.OUTBOX_FILTERS:
        abort(404)
    after = request.args.get("after") or None
    try:
        page = queries.outbox_page(status, after)
    except ValueError:
        abort(400)
    return render_page(
        "mail/outbox.html",
        "outbox_rows" if after else "outbox",
        page=page,
        status_filter=status,
        after=after,
        mail_configured=mail_configured(),
    )


@bp.get("/settings/outbox/<id:email_id>")
@requires(Permission.MANAGE_SETTINGS)
def outbox_message(email_id: int):
    email = _email_or_404(email_id)
    return _message_page(email, "settings")


@bp.get("/settings/outbox/<id:email_id>/html")
@requires(Permission.MANAGE_SETTINGS)
def outbox_message_html(email_id: int):
    return _html_part(_email_or_404(email_id), "settings")


@bp.post("/settings/outbox/<id:email_id>/send")
@requires(Permission.MANAGE_SETTINGS)
def send_now(email_id: int):
    email = _email_or_404(email_id)
    try:
        ops.send_now(email.id, current_user)
    except ops.NotSendable as refusal:
        db.session.rollback()
        return _message_page(_email_or_404(email_id), "settings", status=409, error=str(refusal))
    except LookupError:
        abort(404)
    return redirect(url_for("mail.outbox_message", email_id=email_id), 303)


def _shows_link(email: OutgoingEmail, where: str) -> bool:
    """A live single-use link opens the client's account: never on the profile (every
    role reads it), in the outbox only while link_shown_in_outbox says so."""
    return where == "settings" and link_shown_in_outbox(email)


def _message_page(email: OutgoingEmail, where: str, status: int = 200, error=None):
    link_shown = _shows_link(email, where)
    text, _html = bodies_for_display(email, show_link=link_shown)
    client = db.session.get(Client, email.client_id) if email.client_id else None
    return render_page(
        "mail/message.html",
        "message_panel" if where == "settings" else "message_body",
        status=status,
        email=email,
        text=text,
        client=client,
        where=where,
        error=error,
        link_shown=link_shown,
        link_expired=email.link_expires_at is not None and email.link_expires_at <= utcnow(),
        may_send=where == "settings" and email.status in ops.RESENDABLE,
        mail_configured=mail_configured(),
    )


# --- the profile's Messages tab ------------------------------------------------------------


@bp.get("/clients/<id:client_id>/messages")
@requires(Permission.VIEW_CLIENTS)
def messages_tab(client_id: int):
    return render_profile_tab(client_id, "messages")


@bp.get("/clients/<id:client_id>/messages/list")
@requires(Permission.VIEW_CLIENTS)
def messages_list(client_id: int):
    """The next page of the client's messages (the sentinel's request)."""
    after = request.args.get("after") or None
    try:
        page = queries.messages_page(client_id, after)
    except ValueError:
        abort(400)
    if not page.rows and db.session.get(Client, client_id) is None:
        abort(404)
    return render_page(
        "mail/messages_list.html",
        "message_rows",
        client_id=client_id,
        page=page,
        after=after,
    )


@bp.get("/clients/<id:client_id>/messages/<id:email_id>")
@requires(Permission.VIEW_CLIENTS)
def client_message(client_id: int, email_id: int):
    return _message_page(_email_or_404(email_id, client_id), "profile")


@bp.get("/clients/<id:client_id>/messages/<id:email_id>/html")
@requires(Permission.VIEW_CLIENTS)
def client_message_html(client_id: int, email_id: int):
    return _html_part(_email_or_404(email_id, client_id), "profile")
