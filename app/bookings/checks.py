"""What every session write shares: the refusals it raises (BookingRefused,
ClientClosed, SessionChanged), the moment it stamps, how the timeline names a session,
and the reads it starts from (the client a new session is for, the session locked for
a change with its service, practitioner and client).

Each write is one function per user action, one transaction, one timeline event each
(two when a cancellation moves a waiting client into the class).
"""

from datetime import datetime

from app.core.extensions import db
from app.core.templating import local_datetime
from app.models import BOOKING_STATUSES, Booking, Client, Service, StaffMember, utcnow


class BookingRefused(ValueError):
    """A booking the rules refuse; `field` says which form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ClientClosed(BookingRefused):
    """The session's client is in the trash, erased or merged: their sessions are
    read-only (Client.closed_reason says why)."""

    def __init__(self, client: Client):
        super().__init__("client", client.closed_reason)


class SessionChanged(Exception):
    """The session is no longer in a state this action applies to (a colleague acted
    first): 409 with the session as it is now."""

    def __init__(self, booking: Booking, action: str):
        super().__init__(
            f"This session was changed meanwhile: it is now {BOOKING_STATUSES[booking.status]}."
        )
        self.booking = booking
        self.action = action


def current_time() -> datetime:
    """The moment a session write stamps (booked, changed, removed, arrived)."""
    return utcnow()


def describe_session(booking: Booking, service: Service, practitioner: StaffMember | None) -> str:
    """How the timeline names a session: service, moment, practitioner."""
    who = f" with {practitioner.name}" if practitioner else ""
    return f"{service.name}, {local_datetime(booking.starts_at)}{who}"


def client_for_booking(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        raise BookingRefused("client", "Choose a client.")
    if not client.takes_new_records:
        raise ClientClosed(client)
    return client


def locked_booking(booking_id: int) -> tuple[Booking, Service, StaffMember | None, Client]:
    booking = db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    if booking is None:
        raise LookupError(booking_id)
    service = db.session.get(Service, booking.service_id)
    practitioner = (
        db.session.get(StaffMember, booking.practitioner_id) if booking.practitioner_id else None
    )
    client = db.session.get(Client, booking.client_id)
    if not client.takes_new_records:
        raise ClientClosed(client)
    return booking, service, practitioner, client
