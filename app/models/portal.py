"""The client's side: outgoing email, client accounts for the client page, their
single-use links and sessions, data-rights requests, and the reception kiosk.

Three realms sign in: staff (staff_sessions), clients (client_sessions) and the kiosk
(kiosk_sessions). Each keeps only the SHA-256 of its cookie's token, as staff sessions do,
so a copy of these tables opens nothing.
"""

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, encrypted_text, utcnow

# What an email is about; the Messages tab and the outbox name them.
EMAIL_KINDS = {
    "invitation": "Invitation",
    "password_reset": "Password reset",
    "session_booked": "Session booked",
    "session_changed": "Session changed",
    "session_cancelled": "Session cancelled",
    "session_reminder": "Reminder",
    "request_outcome": "Request outcome",
}
# queued: waiting for the job; sending: a job has it; sent; failed: retries ran out;
# kept: no MAIL_URL (development), held in the outbox and never lost.
EMAIL_STATUSES = {
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "failed": "Failed",
    "kept": "Kept in outbox",
}
EMAIL_SUBJECT_MAX_LENGTH = 200

ACCOUNT_TOKEN_PURPOSES = ("invitation", "password_reset")
ACCOUNT_TOKEN_HOURS = 24

DATA_REQUEST_KINDS = {
    "download": "Download my data",
    "correction": "Suggest a correction",
    "deletion": "Ask to delete my data",
}
DATA_REQUEST_STATUSES = {"open": "Open", "approved": "Approved", "declined": "Declined"}
DATA_REQUEST_REASON_MAX_LENGTH = 500

KIOSK_IDLE_SECONDS = 60


class OutgoingEmail(Base):
    """One message, written in the transaction of the action that caused it; a job
    delivers it. The outbox and the profile's Messages tab read this table.

    The bodies are personal text, encrypted at rest. A single-use link (invitation,
    password reset, a data download) is not part of the stored bodies: they hold the
    placeholder LINK_PLACEHOLDER and the link waits, encrypted, in `secret_link` until the
    message is delivered, when it is cleared. No staff page shows it but Settings → Outbox,
    and only while the message has not left a business without a mail server (a kept
    row, so a newcomer can open it): a live link opens the client's account.

    A session's email is queued as a draft (app.mail.outbox.Draft): the subject now,
    the bodies and the calendar file rendered when it is delivered or shown, so a
    booking does not pay for composing an email that may wait in the outbox."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(250), default="")
    subject: Mapped[str] = mapped_column(String(EMAIL_SUBJECT_MAX_LENGTH))
    kind: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10), default="en")
    body_text: Mapped[str] = mapped_column(encrypted_text())
    body_html: Mapped[str] = mapped_column(encrypted_text())
    secret_link: Mapped[str | None] = mapped_column(encrypted_text())
    # When the single-use link stops working: staff pages say so instead of the link.
    link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A message composed when it leaves (a session's email): the template, its context
    # and the attachment's recipe, as JSON, until delivery writes the bodies.
    draft: Mapped[str | None] = mapped_column(encrypted_text())
    # One attachment at most (the session's .ics).
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The Messages tab's keyset pages.
        Index("ix_outgoing_emails_client_created", "client_id", "created_at", "id"),
        # A session's reminder is sent once, however often the reminder job runs.
        Index(
            "uq_outgoing_emails_reminder",
            "booking_id",
            unique=True,
            sqlite_where=text("kind = 'session_reminder'"),
            postgresql_where=text("kind = 'session_reminder'"),
        ),
    )


LINK_PLACEHOLDER = "[[link]]"


class ClientAccount(Base):
    """A client's sign-in to their own page. One per client; the client's email at the
    time of the invitation is the sign-in name. No password until the client sets one
    from the invitation's link."""

    __tablename__ = "client_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClientAccountToken(Base):
    """A single-use link (invitation or password reset): only its SHA-256 is kept; it
    expires after ACCOUNT_TOKEN_HOURS and is spent by its first use. A new link of the
    same purpose spends the older ones."""

    __tablename__ = "client_account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("client_accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClientSession(Base):
    """A signed-in client's browser session (the /me realm), kept on the server like a
    staff session: the cookie carries a token, this row its digest."""

    __tablename__ = "client_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("client_accounts.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DataRequest(Base):
    """A client's data-rights request from their page, decided by staff.

    `proposed` (a correction's field -> value, JSON) is personal: encrypted. An approved
    download is fetched through a link that expires; only its digest is kept."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    proposed: Mapped[str | None] = mapped_column(encrypted_text())
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(
        encrypted_text(DATA_REQUEST_REASON_MAX_LENGTH)
    )
    download_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    download_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_data_requests_status_created", "status", "created_at"),
        Index("ix_data_requests_client_created", "client_id", "created_at"),
    )


class KioskSession(Base):
    """The reception tablet in kiosk mode: reaches only /kiosk. Started by a staff
    member (whose own session ends on that tablet); left only with a staff PIN. Guesses
    are counted here, so the throttle holds across the kiosk's resets."""

    __tablename__ = "kiosk_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    data: Mapped[str] = mapped_column(Text, default="{}")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KioskHelpRequest(Base):
    """ "Please see reception": someone at the kiosk whom reception should greet (no
    match, no session today, or an alert staff must see). The reception screen lists
    the open ones until staff mark them seen."""

    __tablename__ = "kiosk_help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the kiosk could not tell who it was.
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(30))  # no_match, no_session, alert
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
