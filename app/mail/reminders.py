"""The reminder the day before a session: the hourly job queues one for each of
tomorrow's pending or confirmed sessions once the business's reminder hour has passed
(in the business's time zone).

Sent once per session however often the job runs, even two runs at the same moment:
the partial unique index uq_outgoing_emails_reminder (one reminder row per booking)
refuses a second row, and each session's reminder is its own transaction, so one
refused does not undo the others.
"""

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.bookings.api import reminder_hour
from app.core.clock import business_zone
from app.core.database import write_transaction
from app.core.extensions import db
from app.mail.bookings import queue_session_email
from app.models import Booking, Client, OutgoingEmail, utcnow

log = logging.getLogger(__name__)


def tomorrow_bounds(now: datetime) -> tuple[datetime, datetime] | None:
    """Tomorrow's start and end (UTC) once the reminder hour has passed today, else None."""
    zone = business_zone()
    local = now.astimezone(zone)
    if local.hour < reminder_hour():
        return None
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), zone)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), zone)
    return start, end


def _due_booking_ids(start: datetime, end: datetime) -> list[int]:
    already = exists().where(
        OutgoingEmail.booking_id == Booking.id, OutgoingEmail.kind == "session_reminder"
    )
    return list(
        db.session.scalars(
            select(Booking.id)
            .join(Client, Client.id == Booking.client_id)
            .where(
                Booking.starts_at >= start,
                Booking.starts_at < end,
                Booking.status.in_(("pending", "confirmed")),
                Booking.removed_at.is_(None),
                Client.email.is_not(None),
                Client.email != "",
                Client.deleted_at.is_(None),
                Client.erased_at.is_(None),
                ~already,
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue tomorrow's reminders if their hour has come; how many were queued."""
    now = now or utcnow()
    bounds = tomorrow_bounds(now)
    if bounds is None:
        db.session.rollback()
        return 0
    booking_ids = _due_booking_ids(*bounds)
    db.session.rollback()
    queued = 0
    for booking_id in booking_ids:
        try:
            with write_transaction():
                booking = db.session.get(Booking, booking_id)
                if booking is None or booking.status not in ("pending", "confirmed"):
                    continue
                if db.session.scalar(
                    select(OutgoingEmail.id).where(
                        OutgoingEmail.booking_id == booking_id,
                        OutgoingEmail.kind == "session_reminder",
                    )
                ):
                    continue  # another run got here first
                client = db.session.get(Client, booking.client_id)
                if queue_session_email("session_reminder", "session_reminder", client, booking):
                    queued += 1
        except IntegrityError:
            # A run at the same moment queued it between our check and our insert.
            log.info("the reminder for session %s was queued by another run", booking_id)
    return queued
