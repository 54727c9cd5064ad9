"""Attendance: a past session removed from the client's history (and put back), and
check-ins, an arrival with or without a booking (which it confirms).
"""

from sqlalchemy import select

from app.bookings.checks import (
    SessionChanged,
    client_for_booking,
    current_time,
    describe_session,
    locked_booking,
)
from app.bookings.counts import count_change
from app.bookings.events import record_session
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.models import Booking, CheckIn


def remove_from_history(booking_id: int, reason: str, actor) -> Booking:
    if not can(actor, Permission.MANAGE_ATTENDANCE):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        booking, service, practitioner, client = locked_booking(booking_id)
        if booking.removed_at is not None or booking.starts_at > current_time():
            raise SessionChanged(booking, "remove")
        booking.removed_at = current_time()
        booking.removed_reason = reason
        booking.version += 1
        record_session(
            client,
            "session.removed_from_history",
            actor,
            booking,
            changes={
                "session": [None, describe_session(booking, service, practitioner)],
                "removed_reason": [None, reason],
            },
        )
        count_change(client.id, (booking.status, False), (booking.status, True))
    return booking


def put_back_in_history(booking_id: int, actor) -> Booking:
    if not can(actor, Permission.MANAGE_ATTENDANCE):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        booking, service, practitioner, client = locked_booking(booking_id)
        if booking.removed_at is None:
            raise SessionChanged(booking, "put_back")
        booking.removed_at = None
        booking.removed_reason = None
        booking.version += 1
        record_session(
            client,
            "session.put_back",
            actor,
            booking,
            changes={"session": [None, describe_session(booking, service, practitioner)]},
        )
        count_change(client.id, (booking.status, True), (booking.status, False))
    return booking


def check_in(
    client_id: int, actor, booking_id: int | None = None, where: str | None = None
) -> CheckIn:
    """An arrival: with a booking it also confirms attendance (pending -> confirmed).
    `where` names a check-in the client made themselves ("Self check-in kiosk"): the
    timeline says so beside the staff member who answers for the device."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        client = client_for_booking(client_id)
        changes = {}
        if booking_id is not None:
            booking, service, practitioner, _client = locked_booking(booking_id)
            if booking.client_id != client.id:
                raise LookupError(booking_id)
            if booking.status not in ("pending", "confirmed"):
                raise SessionChanged(booking, "check_in")
            already = db.session.scalar(select(CheckIn.id).where(CheckIn.booking_id == booking.id))
            if already is not None:
                raise SessionChanged(booking, "check_in")
            if booking.status == "pending":
                booking.status = "confirmed"
                booking.version += 1
            changes["session"] = [None, describe_session(booking, service, practitioner)]
        if where:
            changes["checked_in_at"] = [None, where]
        arrival = CheckIn(
            client_id=client.id, booking_id=booking_id, at=current_time(), staff_id=actor.id
        )
        db.session.add(arrival)
        db.session.flush()
        record(client, "client.checked_in", actor, subject=arrival, changes=changes or None)
    return arrival
