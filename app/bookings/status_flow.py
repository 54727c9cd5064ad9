"""The status flow of a session (confirm, complete, no-show, cancel) and what it sets
off: a cancelled place in a class goes to the first client on its waitlist, and enough
no-shows put the client's bookings under approval (the settings' rule).
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.bookings import settings as booking_settings
from app.bookings.checks import SessionChanged, current_time, describe_session, locked_booking
from app.bookings.counts import count_change
from app.bookings.events import record_session
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.models import HOLDING_STATUSES, Booking, Client, Service, StaffMember

# action -> (statuses it applies to, the status it leaves, timeline verb)
TRANSITIONS = {
    "confirm": (("pending",), "confirmed", "session.confirmed"),
    "complete": (("pending", "confirmed"), "completed", "session.completed"),
    "no_show": (("pending", "confirmed"), "no_show", "session.no_show"),
    "cancel": (("pending", "confirmed", "waitlisted"), "cancelled", "session.cancelled"),
}
# Only a session that has begun can be completed or missed.
NEEDS_STARTED = {"complete", "no_show"}


class NotYet(ValueError):
    pass


def change_status(booking_id: int, action: str, actor, reason: str | None = None) -> Booking:
    """Confirm, complete, mark no-show or cancel one session."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("not allowed for this staff member")
    allowed_from, new_status, verb = TRANSITIONS[action]
    with write_transaction():
        booking, service, practitioner, client = locked_booking(booking_id)
        if booking.status not in allowed_from or booking.removed_at is not None:
            raise SessionChanged(booking, action)
        now = current_time()
        if action in NEEDS_STARTED and booking.starts_at > now:
            raise NotYet("A session can be completed or marked as a no-show once it has begun.")
        was_holding = booking.status in HOLDING_STATUSES
        before = (booking.status, False)
        changes = {"session": [None, describe_session(booking, service, practitioner)]}
        if action == "cancel":
            window = timedelta(hours=booking_settings.late_cancel_hours())
            booking.late_cancellation = was_holding and booking.starts_at - now < window
            booking.cancel_reason = reason
            if booking.late_cancellation:
                verb = "session.cancelled_late"
            if reason:
                changes["cancel_reason"] = [None, reason]
        booking.status = new_status
        booking.updated_at = now
        booking.version += 1
        record_session(client, verb, actor, booking, changes=changes)
        if action == "cancel" and was_holding and service.is_class:
            _move_in_from_waitlist(service, booking, actor)
        count_change(client.id, before, (new_status, False))
        if action == "no_show":
            _apply_no_show_rule(client, actor, now)
    return booking


def _move_in_from_waitlist(service: Service, freed: Booking, actor) -> Booking | None:
    waiting = db.session.scalar(
        select(Booking)
        .where(
            Booking.service_id == service.id,
            Booking.starts_at == freed.starts_at,
            Booking.status == "waitlisted",
        )
        .order_by(Booking.created_at, Booking.id)
        .limit(1)
        .with_for_update()
    )
    if waiting is None:
        return None
    client = db.session.get(Client, waiting.client_id)
    waiting.status = "pending" if client.booking_policy == "approval" else "confirmed"
    count_change(client.id, ("waitlisted", False), (waiting.status, False))
    waiting.updated_at = current_time()
    waiting.version += 1
    practitioner = (
        db.session.get(StaffMember, waiting.practitioner_id) if waiting.practitioner_id else None
    )
    description = describe_session(waiting, service, practitioner)
    record_session(
        client, "session.moved_in", actor, waiting, changes={"session": [None, description]}
    )
    # The cancelling client's timeline says the place went on (not to whom: another
    # client's name does not belong in this one's history).
    freed_client = db.session.get(Client, freed.client_id)
    record_session(
        freed_client,
        "session.place_passed_on",
        actor,
        freed,
        changes={"session": [None, describe_session(freed, service, practitioner)]},
    )
    return waiting


def _apply_no_show_rule(client: Client, actor, now: datetime) -> None:
    """Settings' rule "require approval after N no-shows in D days" (off by default)."""
    limit, days = booking_settings.no_show_rule()
    if not limit or client.booking_policy != "allow":
        return
    since = now - timedelta(days=days)
    missed = db.session.scalar(
        select(func.count()).where(
            Booking.client_id == client.id,
            Booking.status == "no_show",
            Booking.removed_at.is_(None),
            Booking.starts_at >= since,
        )
    )
    if missed < limit:
        return
    reason = f"{missed} no-shows in {days} days"
    client.booking_policy, client.booking_policy_reason = "approval", reason
    record(
        client,
        "client.booking_policy_changed",
        None,  # the rule, not the staff member who marked the no-show
        changes={
            "booking_policy": ["allow", "approval"],
            "booking_reason": [None, reason],
        },
    )
