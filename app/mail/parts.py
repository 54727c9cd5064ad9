"""What outgoing email adds to the rest of the app: the profile's Messages tab, the
outbox's link in Settings, and the messages' place in the one-client export, the
erasure and the merge."""

from sqlalchemy import delete, select

from app.core.database import PERSONAL_TABLES
from app.core.erasure import erasure_step
from app.core.export import export_section
from app.core.extensions import db
from app.core.parts import ProfileTab, register_tab
from app.data.words import ROW_WORDS
from app.mail import bp, queries
from app.mail.outbox import compose, fill_link
from app.models import EMAIL_KINDS, EMAIL_STATUSES, OutgoingEmail

bp.add_app_template_filter(lambda kind: EMAIL_KINDS.get(kind, kind), "email_kind")
bp.add_app_template_filter(lambda status: EMAIL_STATUSES.get(status, status), "email_status")
bp.add_app_template_global(queries.OUTBOX_FILTERS, "outbox_filters")


def _messages_tab(client) -> dict:
    return {"messages": queries.messages_page(client.id)}


register_tab(
    ProfileTab(
        "messages",
        "Messages",
        "mail.messages_tab",
        order=300,
        template="mail/_messages_tab.html",
        load=_messages_tab,
        queries=1,
    )
)


@export_section("messages", tables=("outgoing_emails",))
def _export_messages(client) -> list[dict]:
    emails = db.session.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.client_id == client.id)
        .order_by(OutgoingEmail.created_at, OutgoingEmail.id)
    ).all()
    return [
        {
            "kind": email.kind,
            "subject": email.subject,
            "status": email.status,
            "to": email.to_address,
            "created_at": email.created_at.isoformat(),
            "sent_at": email.sent_at.isoformat() if email.sent_at else None,
            # A single-use link is the client's key, not their data: never exported.
            "text": fill_link(compose(email).text, "", None)[0],
        }
        for email in emails
    ]


@erasure_step("messages", tables=("outgoing_emails",))
def _erase_messages(client) -> None:
    """The messages go: they hold the client's address, name and what was written to
    them (a queued one is not sent either)."""
    db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.client_id == client.id))


# Addresses and subjects are plain text: an erasure scrubs this table's files too.
if "outgoing_emails" not in PERSONAL_TABLES:
    PERSONAL_TABLES.append("outgoing_emails")
ROW_WORDS.setdefault("outgoing_emails", ("email", "emails"))
