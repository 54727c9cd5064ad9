"""Queueing and rendering outgoing email: the API other areas call.

    queue_email(*, to_address, to_name, kind, subject, text, html,
                client_id=None, booking_id=None, secret_link=None, link_expires_at=None,
                attachment=None, language="en", actor=None) -> OutgoingEmail

        Adds an OutgoingEmail row to the caller's open transaction (it never commits).
        Delivery is enqueued only once that transaction commits (app.database.after_commit),
        so a request never talks to the mail server and a rolled-back action sends nothing.
        `kind` is a key of EMAIL_KINDS (app/models/portal.py). `attachment` is
        (filename, mime type, bytes). Without MAIL_URL (development) the row is "kept":
        it waits in Settings → Outbox, never lost, until someone sends it.

        A body holding a single-use link is passed with LINK_PLACEHOLDER where the link
        goes, the link itself as `secret_link` and when it stops working as
        `link_expires_at`: the stored bodies never hold it; it is put in at delivery
        and cleared once the message is sent. Staff pages show it only where
        bodies_for_display(email, show_link=True) is asked (the unsent outbox).

    queue_email(..., subject, draft=Draft(template, context, attachment), ...)

        The same, composed later: the subject is written now, the bodies (and the
        attachment, from a registered builder and its data) are rendered from the
        draft when the message is delivered or shown (compose). The draft is JSON in
        an encrypted column: its context must be plain values taken at queue time, so
        the message says what was true when it was queued.

    compose(email) -> Composition(text, html, attachment)

    render_email(template, language, **context) -> (subject, text, html)

        Renders templates/mail/<template>.subject.txt, <template>.txt and <template>.html
        inside the shared layout (the business's name and address in the footer), under
        flask_babel.force_locale(language). The subject comes back as one line.

Every header value (address, name, subject) is made single-line here and again at
delivery: a CR or LF in a client's name can never start a header of its own.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import escape
from werkzeug.local import LocalProxy

from app.core.database import after_commit
from app.core.extensions import db
from app.core.i18n import locale_for, supported_language
from app.models import EMAIL_KINDS, LINK_PLACEHOLDER, OutgoingEmail
from app.models.portal import EMAIL_SUBJECT_MAX_LENGTH

__all__ = [
    "LINK_PLACEHOLDER",
    "LINK_REMOVED",
    "LINK_WITHHELD",
    "Draft",
    "attachment_builder",
    "bodies_for_display",
    "compose",
    "link_shown_in_outbox",
    "mail_configured",
    "queue_email",
    "render_email",
    "render_subject",
    "single_line",
]

# Shown in place of a single-use link once the message has left (the link is gone).
LINK_REMOVED = "(link removed after sending)"
# Where a staff page shows a message whose link still works (it would open the client's
# account): the link is not shown, the page says when it expires.
LINK_WITHHELD = "(single-use link, not shown to staff)"
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029\x00]+")
_SPACES = re.compile(r"\s+")
ENQUEUE_EXTENSION = "clientele.mail.enqueue"


def single_line(value: str | None, limit: int | None = None) -> str:
    """A header value: any line break (and NUL) becomes a space, runs of spaces one."""
    line = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", value or "")).strip()
    return line[:limit] if limit else line


# --- drafts: composed when the message leaves -----------------------------------------

_ATTACHMENT_BUILDERS: dict[str, Callable[[dict], bytes]] = {}


def attachment_builder(name: str):
    """Register `build(data) -> bytes`, the recipe a draft's attachment names."""

    def register(build: Callable[[dict], bytes]):
        _ATTACHMENT_BUILDERS[name] = build
        return build

    return register


@dataclass(frozen=True)
class Draft:
    """A message to render later: templates/mail/<template>.* with `context` (plain
    JSON values), and optionally an attachment built by `attachment_builder(builder)`
    from `attachment_data`."""

    template: str
    context: dict
    builder: str | None = None
    attachment_data: dict | None = None

    def to_json(self) -> str:
        attachment = {"builder": self.builder, "data": self.attachment_data}
        return json.dumps(
            {"template": self.template, "context": self.context, "attachment": attachment}
        )


@dataclass(frozen=True)
class Composition:
    text: str
    html: str
    attachment: bytes | None


def compose(email: OutgoingEmail) -> Composition:
    """The message's bodies and attachment: as stored, or rendered from its draft."""
    if email.draft is None:
        return Composition(email.body_text, email.body_html, email.attachment)
    draft = json.loads(email.draft)
    _subject, text, html = render_email(draft["template"], email.language, **draft["context"])
    attachment = draft["attachment"]
    content = None
    if attachment["builder"] is not None:
        content = _ATTACHMENT_BUILDERS[attachment["builder"]](attachment["data"])
    return Composition(text, html, content)


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_URL"))


def queue_email(
    *,
    to_address: str,
    to_name: str,
    kind: str,
    subject: str,
    text: str = "",
    html: str = "",
    draft: Draft | None = None,
    client_id: int | None = None,
    booking_id: int | None = None,
    secret_link: str | None = None,
    link_expires_at: datetime | None = None,
    attachment: tuple[str, str, bytes | None] | None = None,
    language: str = "en",
    actor=None,
) -> OutgoingEmail:
    """Add the message to the caller's transaction; deliver it after the commit.
    `attachment` is (name, type, bytes), the bytes None when the draft builds them."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    address = single_line(to_address, 254)
    if not address or "@" not in address:
        raise ValueError("an email needs an address")
    if secret_link is not None and (draft is not None or LINK_PLACEHOLDER not in text + html):
        raise ValueError("a secret link needs LINK_PLACEHOLDER in the bodies, not a draft")
    if (secret_link is None) != (link_expires_at is None):
        raise ValueError("a secret link and its expiry go together")
    email = OutgoingEmail(
        to_address=address,
        to_name=single_line(to_name, 250),
        kind=kind,
        subject=single_line(subject, EMAIL_SUBJECT_MAX_LENGTH),
        language=supported_language(language) or "en",
        body_text=text,
        body_html=html,
        secret_link=secret_link,
        link_expires_at=link_expires_at,
        draft=draft.to_json() if draft is not None else None,
        client_id=client_id,
        booking_id=booking_id,
        status="queued" if mail_configured() else "kept",
        attempts=0,
        created_by_id=getattr(actor, "id", None),
    )
    if attachment is not None:
        name, mime_type, content = attachment
        email.attachment_name = single_line(name, 100)
        email.attachment_type = single_line(mime_type, 100)
        email.attachment = bytes(content) if content is not None else None
    db.session.add(email)
    db.session.flush()
    if email.status == "queued":
        enqueue = current_app.extensions.get(ENQUEUE_EXTENSION)
        if enqueue is not None:
            email_id = email.id
            after_commit(lambda: enqueue(email_id))
    return email


def render_email(template: str, language: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) of templates/mail/<template>.* in the client's language."""
    language = supported_language(language) or "en"
    context = _email_context(context)
    with force_locale(locale_for(language)):
        context["subject"] = _render_subject(template, language, context)
        text = render_template(f"mail/{template}.txt", language=language, **context)
        html = render_template(f"mail/{template}.html", language=language, **context)
    return context["subject"], _tidy_text(text), html


def render_subject(template: str, language: str, **context) -> str:
    """The subject line alone (a draft's, written when it is queued)."""
    language = supported_language(language) or "en"
    with force_locale(locale_for(language)):
        return _render_subject(template, language, _email_context(context))


def _email_context(context: dict) -> dict:
    from app.mail.business import business_details

    # Read when a template asks (the layout's footer does, most subjects do not).
    context.setdefault("business", LocalProxy(business_details))
    context.setdefault("link", LINK_PLACEHOLDER)
    return context


def _render_subject(template: str, language: str, context: dict) -> str:
    return single_line(
        render_template(f"mail/{template}.subject.txt", language=language, **context),
        EMAIL_SUBJECT_MAX_LENGTH,
    )


def _tidy_text(text: str) -> str:
    """Plain text as a mail reader shows it: no trailing spaces, at most one blank line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if not line and tidy and not tidy[-1]:
            continue
        tidy.append(line)
    return "\n".join(tidy) + "\n"


def fill_link(
    text: str, html: str, link: str | None, missing: str = LINK_REMOVED
) -> tuple[str, str]:
    """The bodies with the single-use link put in (HTML-escaped in the HTML part), or
    with `missing` in its place when the link is gone or not to be shown."""
    if link is None:
        return (
            text.replace(LINK_PLACEHOLDER, missing),
            html.replace(LINK_PLACEHOLDER, str(escape(missing))),
        )
    return text.replace(LINK_PLACEHOLDER, link), html.replace(LINK_PLACEHOLDER, str(escape(link)))


def link_shown_in_outbox(email: OutgoingEmail) -> bool:
    """Whether Settings → Outbox may show the message's live link: only while it has
    not left a business without a mail server, where someone may pass it on by hand."""
    return email.secret_link is not None and email.status != "sent" and not mail_configured()


def bodies_for_display(email: OutgoingEmail, show_link: bool = False) -> tuple[str, str]:
    """What staff see of a message. Its single-use link only with show_link (the unsent
    outbox, see link_shown_in_outbox); else LINK_WITHHELD while it lives, LINK_REMOVED
    once sent."""
    composition = compose(email)
    if email.secret_link is None:
        return fill_link(composition.text, composition.html, None)
    if show_link:
        return fill_link(composition.text, composition.html, email.secret_link)
    return fill_link(composition.text, composition.html, None, missing=LINK_WITHHELD)
