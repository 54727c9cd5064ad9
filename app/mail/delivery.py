"""Delivering outgoing email: SMTP from MAIL_URL, by a background job with retries.

MAIL_URL is `smtp://user:password@host:587?starttls=1` (STARTTLS), `smtps://…:465`
(TLS from the first byte) or `smtp://host:25` (neither, for a relay on the same
network). Without it (development) nothing is sent: messages are "kept" in the outbox.

A message goes queued → sending → sent. The job claims the row with a conditional
UPDATE (queued → sending), so a message is never sent twice even when its task runs
twice. A temporary refusal (a 4xx reply, a connection that fails) puts it back to
queued with the next attempt scheduled later (MAIL_RETRY_DELAYS); when the attempts
run out, or the server refuses it for good (5xx), it is failed, with the reason.
"""

import logging
import smtplib
import socket
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from app.core.database import after_commit, write_transaction
from app.core.extensions import db
from app.core.jobs import hourly_task, queue_of
from app.mail.business import business_details
from app.mail.outbox import (
    ENQUEUE_EXTENSION,
    Composition,
    compose,
    fill_link,
    mail_configured,
    single_line,
)
from app.models import OutgoingEmail, utcnow

log = logging.getLogger(__name__)

# Seconds to wait before the 2nd, 3rd … attempt; one attempt more than delays in all.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
SMTP_TIMEOUT = 30
ERROR_MAX_LENGTH = 500
MAIL_FROM_DEFAULT = "no-reply@localhost"


class MailSettingsError(ValueError):
    """MAIL_URL cannot be understood (its message says why, without the password)."""


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx reply): retrying will not help."""


def retry_delays() -> tuple[float, ...]:
    return tuple(current_app.config.get("MAIL_RETRY_DELAYS") or RETRY_DELAYS)


def max_attempts() -> int:
    return len(retry_delays()) + 1


# --- the message -----------------------------------------------------------------------


def _sender_address() -> str:
    return single_line(current_app.config.get("MAIL_FROM") or MAIL_FROM_DEFAULT)


def build_message(
    email: OutgoingEmail, business_name: str, composition: Composition | None = None
) -> EmailMessage:
    """The MIME message: text and HTML alternatives, and the attachment if any. Every
    header value is one line (a CR/LF in a name cannot start a header of its own)."""
    composition = composition or compose(email)
    text, html = fill_link(composition.text, composition.html, email.secret_link)
    sender = _sender_address()
    message = EmailMessage()
    message["Subject"] = single_line(email.subject)
    message["From"] = formataddr((single_line(business_name), sender))
    message["To"] = formataddr((single_line(email.to_name), single_line(email.to_address)))
    message["Date"] = format_datetime(utcnow())
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=single_line(domain))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if composition.attachment is not None and email.attachment_name:
        maintype, _, subtype = (email.attachment_type or "application/octet-stream").partition("/")
        message.add_attachment(
            composition.attachment,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=single_line(email.attachment_name),
        )
    return message


# --- SMTP ------------------------------------------------------------------------------


def parse_mail_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailSettingsError("MAIL_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailSettingsError("MAIL_URL names no server")
    try:
        port = parts.port
    except ValueError as error:
        raise MailSettingsError("MAIL_URL's port is not a number") from error
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes", "on")
    implicit_tls = parts.scheme == "smtps"
    return {
        "host": parts.hostname,
        "port": port or (465 if implicit_tls else 587 if starttls else 25),
        "implicit_tls": implicit_tls,
        "starttls": starttls and not implicit_tls,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }


def send_message(message: EmailMessage, sender: str, recipient: str) -> None:
    """Hand one message to the server of MAIL_URL; raises what smtplib raises."""
    settings = parse_mail_url(current_app.config["MAIL_URL"])
    context = ssl.create_default_context()
    if settings["implicit_tls"]:
        connection = smtplib.SMTP_SSL(
            settings["host"], settings["port"], timeout=SMTP_TIMEOUT, context=context
        )
    else:
        connection = smtplib.SMTP(settings["host"], settings["port"], timeout=SMTP_TIMEOUT)
    with connection:
        if settings["starttls"]:
            connection.starttls(context=context)
        if settings["username"]:
            connection.login(settings["username"], settings["password"] or "")
        # The envelope names the one recipient: no header can add another.
        connection.send_message(message, from_addr=sender, to_addrs=[recipient])


def _describe_failure(error: Exception) -> tuple[str, bool]:
    """(what staff read, whether it is worth retrying)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(f"{code} {_reply(text)}" for code, text in error.recipients.values())
        return f"The server refused the address: {detail}", any(400 <= c < 500 for c in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return f"The server replied {code} {_reply(error.smtp_error)}", not (500 <= code < 600)
    if isinstance(error, MailSettingsError):
        return str(error), False
    if isinstance(error, socket.timeout | TimeoutError):
        return "The mail server did not answer in time.", True
    if isinstance(error, ssl.SSLError):
        return f"The secure connection failed ({error.reason or type(error).__name__}).", True
    if isinstance(error, OSError | smtplib.SMTPException):
        return f"Could not reach the mail server ({type(error).__name__}: {error}).", True
    return f"Stopped by an unexpected error ({type(error).__name__}).", True


def _reply(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return single_line(str(value))


# --- the job ---------------------------------------------------------------------------


def _claim(email_id: int) -> bool:
    with write_transaction():
        claimed = db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, OutgoingEmail.status == "queued")
            .values(
                status="sending",
                attempts=OutgoingEmail.attempts + 1,
                next_attempt_at=None,
            )
        ).rowcount
    return bool(claimed)


def deliver(email_id: int) -> str | None:
    """One attempt at one message; its status afterwards (None when not ours to send)."""
    if not mail_configured() or not _claim(email_id):
        return None
    email = db.session.get(OutgoingEmail, email_id, populate_existing=True)
    try:
        composition = compose(email)
        drafted = email.draft is not None
        message = build_message(email, business_details().name, composition)
        to_address = single_line(email.to_address)
        attempts = email.attempts
        db.session.rollback()  # no read stays open while the server is talked to
        send_message(message, _sender_address(), to_address)
    except Exception as error:  # noqa: BLE001 (every failure is written on the row)
        db.session.rollback()
        reason, temporary = _describe_failure(error)
        if not isinstance(error, smtplib.SMTPException | OSError):
            log.exception("email %s could not be sent", email_id)
        return _after_failure(email_id, reason[:ERROR_MAX_LENGTH], temporary)
    # A draft's bodies are written as they left: the record of what was sent.
    composed = (
        {
            "body_text": composition.text,
            "body_html": composition.html,
            "attachment": composition.attachment,
            "draft": None,
        }
        if drafted
        else {}
    )
    with write_transaction():
        db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, OutgoingEmail.status == "sending")
            .values(status="sent", sent_at=utcnow(), secret_link=None, last_error=None, **composed)
        )
    log.info("email %s sent after %s attempt(s)", email_id, attempts)
    return "sent"


def _after_failure(email_id: int, reason: str, temporary: bool) -> str:
    with write_transaction():
        email = db.session.get(OutgoingEmail, email_id, populate_existing=True)
        if email is None or email.status != "sending":
            return email.status if email else "gone"
        delays = retry_delays()
        if temporary and email.attempts <= len(delays):
            delay = delays[email.attempts - 1]
            email.status = "queued"
            email.next_attempt_at = utcnow() + timedelta(seconds=delay)
            email.last_error = reason
            schedule = current_app.extensions[ENQUEUE_EXTENSION]
            after_commit(lambda: schedule(email_id, delay))
            return "queued"
        email.status = "failed"
        email.last_error = reason
        email.next_attempt_at = None
        return "failed"


def enqueue_due() -> int:
    """Queue again every message whose next attempt is due (its task was lost: a queue
    emptied, a consumer stopped); the claim keeps a second task from sending it twice."""
    due = db.session.scalars(
        select(OutgoingEmail.id).where(
            OutgoingEmail.status == "queued",
            or_(
                OutgoingEmail.next_attempt_at.is_(None),
                OutgoingEmail.next_attempt_at <= utcnow(),
            ),
        )
    ).all()
    db.session.rollback()
    enqueue = current_app.extensions[ENQUEUE_EXTENSION]
    for email_id in due:
        enqueue(email_id)
    return len(due)


def init_delivery(app) -> None:
    """The delivery task and the hourly task (reminders, lost messages) on the app's queue."""
    queue = queue_of(app)

    @queue.task(name="deliver_email")
    def deliver_email_task(email_id: int) -> None:
        with app.app_context():
            try:
                deliver(email_id)
            finally:
                db.session.remove()

    def hourly_mail() -> None:
        from app.mail.reminders import queue_due_reminders

        queue_due_reminders()
        if mail_configured():
            enqueue_due()

    hourly_mail_task = hourly_task(app, "hourly_mail", 0, hourly_mail)

    def enqueue(email_id: int, delay: float | None = None) -> None:
        if delay:
            deliver_email_task.schedule((email_id,), delay=delay)
        else:
            deliver_email_task(email_id)

    app.extensions[ENQUEUE_EXTENSION] = enqueue
    app.extensions["clientele.mail.tasks"] = (deliver_email_task, hourly_mail_task)
