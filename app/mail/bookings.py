"""Emails about a client's sessions: booked (or confirmed, or moved in from the
waitlist), changed, cancelled, and the reminder the day before, each with the session's
calendar file attached, in the client's language, only to a client with an email who is
neither erased nor in the trash.

They follow the sessions' timeline events (app.activity.follow), so the email row is
written in the transaction of the booking itself, and bookings' code knows nothing of
email. The row is a draft (app.mail.outbox.Draft): the subject is written with the
booking, the bodies and the calendar file are composed when the message leaves, from
the session as it was when the email was queued.
"""

from datetime import datetime

from babel.dates import format_date, format_time

from app.bookings.api import (
    CALENDAR_TYPE,
    SessionEvent,
    SessionRecorded,
    calendar_bytes,
    calendar_filename,
)
from app.core.clock import business_zone
from app.core.extensions import db
from app.core.i18n import locale_for, supported_language
from app.mail.outbox import Draft, attachment_builder, queue_email, render_subject
from app.models import Booking, Client, Service, StaffMember, utcnow


def client_language(client: Client) -> str:
    return supported_language(client.preferred_language) or "en"


def may_email(client: Client | None) -> bool:
    return bool(
        client is not None
        and client.email
        and client.deleted_at is None
        and client.erased_at is None
    )


def session_details(
    booking: Booking, service: Service, practitioner: StaffMember | None, language: str
) -> dict:
    """How the session reads in the client's language, in the business's time zone."""
    return {
        "service": service.name,
        "date": _date(booking.starts_at, language),
        "time": _time(booking.starts_at, language),
        "ends": _time(booking.ends_at, language),
        "practitioner": practitioner.name if practitioner else None,
        "pending": booking.status == "pending",
    }


def _date(moment: datetime, language: str) -> str:
    local = moment.astimezone(business_zone()).date()
    return format_date(local, "full", locale=locale_for(language))


def _time(moment: datetime, language: str) -> str:
    local = moment.astimezone(business_zone()).time()
    return format_time(local, "short", locale=locale_for(language))


CALENDAR_BUILDER = "session_calendar"


@attachment_builder(CALENDAR_BUILDER)
def _calendar_attachment(data: dict) -> bytes:
    """The session's .ics as the email's attachment: the event the profile's "Download
    calendar file" gives, which a change or a cancellation replaces."""
    return calendar_bytes(SessionEvent.from_dict(data["event"]), method=data["method"])


def queue_session_email(
    kind: str,
    template: str,
    client: Client,
    booking: Booking,
    actor=None,
    **context,
):
    """Queue one email about one session (in the caller's transaction), as a draft."""
    if not may_email(client):
        return None
    service = db.session.get(Service, booking.service_id)
    practitioner = (
        db.session.get(StaffMember, booking.practitioner_id) if booking.practitioner_id else None
    )
    language = client_language(client)
    cancelled = kind == "session_cancelled"
    context |= {
        "first_name": client.first_name,
        "session": session_details(booking, service, practitioner, language),
    }
    description = f"With {practitioner.name}" if practitioner else None
    event = SessionEvent.of(booking, service.name, description, cancelled=cancelled)
    method = "CANCEL" if cancelled else "PUBLISH"
    return queue_email(
        to_address=client.email,
        to_name=client.full_name,
        kind=kind,
        subject=render_subject(template, language, **context),
        draft=Draft(
            template,
            context,
            CALENDAR_BUILDER,
            {"event": event.as_dict(), "method": method},
        ),
        client_id=client.id,
        booking_id=booking.id,
        attachment=(calendar_filename(booking.id), f"{CALENDAR_TYPE}; method={method}", None),
        language=language,
        actor=actor,
    )


def _session_booked(event: SessionRecorded) -> None:
    booking = event.booking
    if booking.starts_at <= utcnow():
        return  # a past session written into the history (demo, imports): no email
    queue_session_email(
        "session_booked",
        "session_booked",
        event.client,
        booking,
        event.actor,
        moved_in=event.verb == "session.moved_in",
        confirmed=event.verb == "session.confirmed",
    )


def _session_changed(event: SessionRecorded) -> None:
    before = event.starts_at_before
    language = client_language(event.client)
    previous = (
        {"date": _date(before, language), "time": _time(before, language)} if before else None
    )
    queue_session_email(
        "session_changed",
        "session_changed",
        event.client,
        event.booking,
        event.actor,
        previous=previous,
    )


def _session_cancelled(event: SessionRecorded) -> None:
    booking = event.booking
    if booking.starts_at <= utcnow():
        return
    if event.status_before == "waitlisted":
        return  # a place on the waitlist, never a session the client had
    queue_session_email(
        "session_cancelled", "session_cancelled", event.client, booking, event.actor
    )


_BY_VERB = {
    "session.booked": _session_booked,
    "session.confirmed": _session_booked,
    "session.moved_in": _session_booked,
    "session.rescheduled": _session_changed,
    "session.cancelled": _session_cancelled,
    "session.cancelled_late": _session_cancelled,
}


def mail_follows_session(event: SessionRecorded) -> None:
    """The mail area's listener to sessions (its manifest subscribes it): the client's
    email about a session booked, moved or cancelled, queued in the same transaction."""
    handle = _BY_VERB.get(event.verb)
    if handle is not None:
        handle(event)
