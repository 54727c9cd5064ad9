"""A session's calendar file (.ics): the one event the profile's "Download calendar
file", the client page and the session emails all give, with the same UID, so a
calendar updates the event it already holds; a change raises its sequence, a
cancellation cancels it.

An email composes its attachment when it leaves, from the `SessionEvent` taken when it
was queued (`as_dict` / `from_dict` carry it through the outbox's encrypted draft), so
the file always describes the session as the email's text does."""

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from app.core.clock import business_zone
from app.models import Booking

CALENDAR_TYPE = "text/calendar"


@dataclass(frozen=True)
class SessionEvent:
    """What the file says about one session at one moment."""

    booking_id: int
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str | None = None
    cancelled: bool = False

    @classmethod
    def of(
        cls,
        booking: Booking,
        service_name: str,
        description: str | None = None,
        cancelled: bool | None = None,
    ) -> "SessionEvent":
        """`cancelled` defaults to the booking's status."""
        if cancelled is None:
            cancelled = booking.status == "cancelled"
        return cls(
            booking.id,
            booking.version or 1,
            booking.starts_at,
            booking.ends_at,
            service_name,
            description,
            cancelled,
        )

    def as_dict(self) -> dict:
        return {
            "booking_id": self.booking_id,
            "sequence": self.sequence,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "summary": self.summary,
            "description": self.description,
            "cancelled": self.cancelled,
        }

    @classmethod
    def from_dict(cls, values: dict) -> "SessionEvent":
        return cls(
            **values
            | {
                "starts_at": datetime.fromisoformat(values["starts_at"]),
                "ends_at": datetime.fromisoformat(values["ends_at"]),
            }
        )


def calendar_bytes(event: SessionEvent, method: str | None = None) -> bytes:
    """The .ics bytes; `method` (PUBLISH, CANCEL) is for an email's attachment, which a
    mail reader acts on."""
    calendar = Calendar()
    calendar.add("prodid", "-//Clientele//sessions//EN")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    entry = Event()
    entry.add("uid", f"session-{event.booking_id}@clientele")
    entry.add("sequence", event.sequence)
    entry.add("summary", event.summary)
    zone = business_zone()
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("dtstamp", datetime.now(zone))
    if event.description:
        entry.add("description", event.description)
    if event.cancelled:
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    return calendar.to_ical()


def calendar_filename(booking_id: int) -> str:
    return f"session-{booking_id}.ics"


def calendar_response(booking: Booking, service_name: str, description: str | None = None):
    """The file as a download."""
    from flask import make_response

    response = make_response(calendar_bytes(SessionEvent.of(booking, service_name, description)))
    response.headers["Content-Type"] = f"{CALENDAR_TYPE}; charset=utf-8"
    filename = calendar_filename(booking.id)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
