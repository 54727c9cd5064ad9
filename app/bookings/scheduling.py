"""Making a booking and moving one: booking a session (create_booking), rescheduling
it (reschedule), and sessions brought in as history (add_past_session), with the
checks of service, practitioner, day and free time they make.

Conflicts are checked inside the write transaction, after taking a lock that every
booking of the same practitioner (or the same class) takes too: SQLite's BEGIN
IMMEDIATE already lets one writer in at a time; on PostgreSQL the practitioner's (or the
service's) row is locked FOR UPDATE, so two simultaneous requests for one slot queue and
the second sees the first's booking.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, true

from app.bookings.checks import (
    BookingRefused,
    SessionChanged,
    client_for_booking,
    current_time,
    describe_session,
    locked_booking,
)
from app.bookings.counts import count_change
from app.bookings.events import record_session
from app.bookings.slots import appointment_slot_at, class_slots
from app.core.clock import business_zone
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.models import BOOKING_STATUSES, HOLDING_STATUSES, Booking, Client, Service, StaffMember


@dataclass(frozen=True)
class BookingRequest:
    client_id: int
    service_id: int
    practitioner_id: int | None
    day: date
    wall_time: time
    waitlist: bool = False
    confirm_blocked: bool = False


def _service(service_id: int, *, lock: bool = False) -> Service:
    service = db.session.get(Service, service_id, with_for_update=lock or None)
    if service is None or not service.active:
        raise BookingRefused("service", "Choose a service.")
    return service


def _practitioner(practitioner_id: int | None, *, lock: bool = False) -> StaffMember:
    practitioner = (
        db.session.get(StaffMember, practitioner_id, with_for_update=lock or None)
        if practitioner_id
        else None
    )
    if practitioner is None or not practitioner.active:
        raise BookingRefused("practitioner", "Choose a practitioner.")
    if not practitioner.takes_bookings:
        raise BookingRefused("practitioner", f"{practitioner.name} does not take bookings.")
    return practitioner


def _check_day(day: date) -> None:
    if day < datetime.now(business_zone()).date():
        raise BookingRefused("day", "Choose today or a later date.")


def _class_place(service: Service, starts_at: datetime, ignore: int | None = None) -> int:
    """Places left in the class at `starts_at`."""
    query = select(func.count()).where(
        Booking.service_id == service.id,
        Booking.starts_at == starts_at,
        Booking.status.in_(HOLDING_STATUSES),
    )
    if ignore is not None:
        query = query.where(Booking.id != ignore)
    return service.capacity - db.session.scalar(query)


def _find_slot(service: Service, practitioner_id, day: date, wall: time, ignore=None):
    """The offered slot at `wall` on `day`, or None; for classes, the practitioner comes
    with the class time."""
    zone = business_zone()
    if not service.is_class:
        return appointment_slot_at(
            service, practitioner_id, day, wall, zone, current_time(), ignore
        )
    label = wall.strftime("%H:%M")
    return next(
        (slot for slot in class_slots(service, day, zone, current_time()) if slot.label == label),
        None,
    )


# Built once (building it cost more than running it): one row of the three, picked by id
# (their product is one row), with the practitioner's row locked.
_PARTIES_BASE = (
    select(Client, Service, StaffMember)
    .select_from(Client)
    .join(Service, true())
    .join(StaffMember, true())
    .where(
        Client.id == bindparam("client_id"),
        Service.id == bindparam("service_id"),
        StaffMember.id == bindparam("practitioner_id"),
    )
    .with_for_update(of=StaffMember)
)


# What the followers of a booking's timeline event read of its client (an area's
# deferred column: whether the client has credits), loaded with the parties in the same
# round trip instead of a query each: ORM loader options, added by the areas.
_CLIENT_OPTIONS: list = []


def load_with_booking_client(*options) -> None:
    _CLIENT_OPTIONS.extend(options)
    _parties_statement.cache_clear()


@cache
def _parties_statement():
    # populate_existing: the rows as they are now, inside the booking's transaction,
    # even when the session held them already.
    return _PARTIES_BASE.options(*_CLIENT_OPTIONS).execution_options(populate_existing=True)


def _load_parties(request: BookingRequest):
    """The client, service and practitioner a booking checks, in one round trip instead
    of three, with the practitioner's row locked as every competing booking locks it.
    The checks that follow find them in the session while the caller holds the row (the
    session keeps loaded objects only as long as someone does). None when a row is
    missing, or no practitioner was asked for: each check then reads its own."""
    if not request.practitioner_id:
        return None
    return db.session.execute(
        _parties_statement(),
        {
            "client_id": request.client_id,
            "service_id": request.service_id,
            "practitioner_id": request.practitioner_id,
        },
    ).first()


def create_booking(request: BookingRequest, actor) -> Booking:
    """Book a session; BookingRefused says why not, beside which field."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("booking is not allowed for this staff member")
    _check_day(request.day)
    with write_transaction():
        parties = _load_parties(request)
        client = client_for_booking(request.client_id)
        service = _service(request.service_id)
        # Then the lock every competing booking takes too (see the module's docstring):
        # the class's row, or the practitioner's.
        if service.is_class:
            db.session.refresh(service, with_for_update=True)
            slot = _find_slot(service, None, request.day, request.wall_time)
            if slot is None:
                raise BookingRefused("time", "Choose one of the class times offered.")
            practitioner = (
                db.session.get(StaffMember, slot.practitioner_id) if slot.practitioner_id else None
            )
            places = _class_place(service, slot.starts_at)
            if places <= 0 and not request.waitlist:
                raise BookingRefused("time", "This class is full: join the waitlist instead.")
        else:
            practitioner = _practitioner(request.practitioner_id, lock=parties is None)
            slot = _find_slot(service, practitioner.id, request.day, request.wall_time)
            if slot is None:
                raise BookingRefused(
                    "time",
                    f"{request.wall_time.strftime('%H:%M')} is not free for {practitioner.name}: "
                    "choose one of the times offered.",
                )
            places = 1
        if client.booking_policy == "block" and not request.confirm_blocked:
            raise BookingRefused(
                "confirm_blocked",
                "Online bookings are blocked for this client"
                + (f": {client.booking_policy_reason}" if client.booking_policy_reason else "")
                + ". Tick the box to book anyway.",
            )
        if places <= 0:
            status = "waitlisted"
        elif client.booking_policy == "approval":
            status = "pending"
        else:
            status = "confirmed"
        booking = Booking(
            client_id=client.id,
            service_id=service.id,
            practitioner_id=practitioner.id if practitioner else None,
            starts_at=slot.starts_at,
            ends_at=slot.starts_at + timedelta(minutes=service.duration_minutes),
            status=status,
            created_by_id=actor.id,
            created_at=current_time(),
            updated_at=current_time(),
        )
        db.session.add(booking)
        db.session.flush()
        verb = "session.waitlisted" if status == "waitlisted" else "session.booked"
        changes = {"session": [None, describe_session(booking, service, practitioner)]}
        if status == "pending":
            changes["status"] = [None, "Pending (bookings need approval)"]
        record_session(client, verb, actor, booking, changes=changes)
        count_change(client.id, None, (status, False))
    return booking


def reschedule(booking_id: int, practitioner_id: int | None, day: date, wall: time, actor):
    """Move a session to another date, time or practitioner; the conflict check is the
    one a new booking gets, leaving the session's own time out."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("not allowed for this staff member")
    _check_day(day)
    with write_transaction():
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            raise LookupError(booking_id)
        service = _service(booking.service_id, lock=True)
        booking, service, old_practitioner, client = locked_booking(booking_id)
        if booking.status not in ("pending", "confirmed") or booking.removed_at is not None:
            raise SessionChanged(booking, "reschedule")
        before = describe_session(booking, service, old_practitioner)
        if service.is_class:
            slot = _find_slot(service, None, day, wall)
            if slot is None:
                raise BookingRefused("time", "Choose one of the class times offered.")
            if slot.starts_at != booking.starts_at and _class_place(service, slot.starts_at) <= 0:
                raise BookingRefused("time", "That class is full.")
            practitioner = (
                db.session.get(StaffMember, slot.practitioner_id) if slot.practitioner_id else None
            )
        else:
            practitioner = _practitioner(practitioner_id, lock=True)
            slot = _find_slot(service, practitioner.id, day, wall, ignore=booking.id)
            if slot is None:
                raise BookingRefused(
                    "time",
                    f"{wall.strftime('%H:%M')} is not free for {practitioner.name}: "
                    "choose one of the times offered.",
                )
        booking.starts_at = slot.starts_at
        booking.ends_at = slot.starts_at + timedelta(minutes=service.duration_minutes)
        booking.practitioner_id = practitioner.id if practitioner else None
        booking.updated_at = current_time()
        booking.version += 1
        after = describe_session(booking, service, practitioner)
        record_session(
            client,
            "session.rescheduled",
            actor,
            booking,
            changes={"session": [before, after]},
        )
    return booking


def add_past_session(
    client_id: int,
    service_id: int,
    practitioner_id: int | None,
    starts_at: datetime,
    status: str,
    actor=None,
    reason: str | None = None,
) -> Booking:
    """A session that already happened, as history brought in (demo data, imports): no
    free-time check, its timeline event dated when it was booked."""
    if status not in BOOKING_STATUSES:
        raise ValueError(status)
    with write_transaction():
        client = db.session.get(Client, client_id)
        service = db.session.get(Service, service_id)
        practitioner = db.session.get(StaffMember, practitioner_id) if practitioner_id else None
        booked_at = min(starts_at - timedelta(days=7), current_time())
        booking = Booking(
            client_id=client_id,
            service_id=service_id,
            practitioner_id=practitioner_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=service.duration_minutes),
            status=status,
            cancel_reason=reason,
            created_by_id=actor.id if actor else None,
            created_at=booked_at,
            updated_at=booked_at,
        )
        db.session.add(booking)
        db.session.flush()
        description = {"session": [None, describe_session(booking, service, practitioner)]}
        record_session(client, "session.booked", actor, booking, changes=description, at=booked_at)
        verb = {
            "completed": "session.completed",
            "cancelled": "session.cancelled",
            "no_show": "session.no_show",
        }.get(status)
        if verb:
            record_session(client, verb, actor, booking, changes=description, at=starts_at)
        count_change(client_id, None, (status, False))
    return booking
