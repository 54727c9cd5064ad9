"""A session's calendar file (.ics): the one event the profile's "Download calendar
file", the client page and the session emails all give, with the same UID, so a
calendar updates the event it already holds; a change raises its sequence, a
cancellation cancels it."""

from datetime import datetime

from icalendar import Calendar, Event

from app.models import Booking
from app.templating import business_zone

CALENDAR_TYPE = "text/calendar"


def session_calendar(
    booking: Booking,
    service_name: str,
    description: str | None = None,
    *,
    cancelled: bool | None = None,
    method: str | None = None,
) -> bytes:
    """The .ics bytes. `cancelled` defaults to the booking's status; `method` (PUBLISH,
    CANCEL) is for an email's attachment, which a mail reader acts on."""
    if cancelled is None:
        cancelled = booking.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//Clientele//sessions//EN")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    event = Event()
    event.add("uid", f"session-{booking.id}@clientele")
    event.add("sequence", booking.version or 1)
    event.add("summary", service_name)
    zone = business_zone()
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("dtstamp", datetime.now(zone))
    if description:
        event.add("description", description)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_filename(booking: Booking) -> str:
    return f"session-{booking.id}.ics"


def calendar_response(booking: Booking, service_name: str, description: str | None = None):
    """The file as a download."""
    from flask import make_response

    response = make_response(session_calendar(booking, service_name, description))
    response.headers["Content-Type"] = f"{CALENDAR_TYPE}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{calendar_filename(booking)}"'
    return response
