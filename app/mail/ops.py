"""Writes of the outbox: sending a kept or failed message now."""

from sqlalchemy import update

from app.core.database import after_commit, write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.mail.outbox import ENQUEUE_EXTENSION, mail_configured
from app.models import OutgoingEmail

# What "Send now" applies to: kept (no MAIL_URL when it was written) and failed.
RESENDABLE = ("kept", "failed")


class NotSendable(ValueError):
    """Why a message cannot be sent now (the message is for staff)."""


def send_now(email_id: int, actor) -> None:
    """Queue a kept or failed message again, with a fresh set of attempts."""
    from flask import current_app

    if not can(actor, Permission.MANAGE_SETTINGS):
        raise PermissionError("not allowed for this staff member")
    if not mail_configured():
        raise NotSendable("Nothing can be sent until MAIL_URL names a mail server.")
    with write_transaction():
        changed = db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, OutgoingEmail.status.in_(RESENDABLE))
            .values(status="queued", attempts=0, next_attempt_at=None, last_error=None)
        ).rowcount
        if not changed:
            if db.session.get(OutgoingEmail, email_id) is None:
                raise LookupError(email_id)
            raise NotSendable("This message is already on its way or sent.")
        enqueue = current_app.extensions[ENQUEUE_EXTENSION]
        after_commit(lambda: enqueue(email_id))
