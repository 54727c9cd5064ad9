"""What outgoing email adds to the rest of the app: the profile's Messages tab, the
messages' place in the one-client export and the erasure (listed in
app/mail/manifest.py)."""

from sqlalchemy import delete, select

from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import ProfileTab
from app.mail import queries
from app.mail.outbox import compose, fill_link
from app.models import OutgoingEmail


def _messages_tab(client) -> dict:
    return {"messages": queries.messages_page(client.id)}


MESSAGES_TAB = ProfileTab(
    "messages",
    "Messages",
    "mail.messages_tab",
    order=300,
    template="mail/_messages_tab.html",
    load=_messages_tab,
    queries=1,
)


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


MESSAGES_EXPORT = ExportSection("messages", _export_messages, tables=("outgoing_emails",))


def _erase_messages(client) -> None:
    """The messages go: they hold the client's address, name and what was written to
    them (a queued one is not sent either)."""
    db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.client_id == client.id))


MESSAGES_ERASURE = ErasureStep("messages", _erase_messages, tables=("outgoing_emails",))
