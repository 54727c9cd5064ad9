"""Writes for sessions: one function per user action, one transaction, one timeline
event each (two when a cancellation moves a waiting client into the class).

Conflicts are checked inside the write transaction, after taking a lock that every
booking of the same practitioner (or the same class) takes too: SQLite's BEGIN
IMMEDIATE already lets one writer in at a time; on PostgreSQL the practitioner's (or the
service's) row is locked FOR UPDATE, so two simultaneous requests for one slot queue and
the second sees the first's booking.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, func, select, true, update

from app.bookings import settings as booking_settings
from app.bookings.queries import COUNTED
from app.bookings.slots import appointment_slot_at, class_slots
from app.core.clock import business_zone
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.templating import local_datetime
from app.core.timeline import record
from app.models import (
    BOOKING_STATUSES,
    HOLDING_STATUSES,
    LONGEST_SERVICE_MINUTES,
    Booking,
    CheckIn,
    ClassTime,
    Client,
    ClientSessionCounts,
    DayOff,
    Service,
    StaffMember,
    WorkingHours,
    utcnow,
)


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


@dataclass(frozen=True)
class BookingRequest:
    client_id: int
    service_id: int
    practitioner_id: int | None
    day: date
    wall_time: time
    waitlist: bool = False
    confirm_blocked: bool = False


def _now() -> datetime:
    return utcnow()


def _counted(state: tuple[str, bool] | None) -> tuple[int, int, int, int]:
    """What one session adds to (total, completed, cancelled, no-shows) in a state
    (status, removed from history); None is a session that does not exist yet."""
    if state is None:
        return (0, 0, 0, 0)
    status, removed = state
    if removed or status not in COUNTED:
        return (0, 0, 0, 0)
    return (1, status == "completed", status == "cancelled", status == "no_show")


_COUNT_NAMES = ("total", "completed", "cancelled", "no_shows")


@cache
def _count_upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE that adds the given deltas, built once per dialect
    (building it cost more than running it, on every booking)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(ClientSessionCounts).values(
        client_id=bindparam("client_id"), **{name: bindparam(name) for name in _COUNT_NAMES}
    )
    table = ClientSessionCounts.__table__.c
    return statement.on_conflict_do_update(
        index_elements=["client_id"],
        set_={name: table[name] + statement.excluded[name] for name in _COUNT_NAMES},
    )


def count_change(client_id: int, before: tuple[str, bool] | None, after: tuple[str, bool]):
    """Move the client's session counts by what one session's change adds: one
    statement that adds in the database (INSERT … ON CONFLICT DO UPDATE), so two writers
    for one client never lose each other's change."""
    delta = [new - old for new, old in zip(_counted(after), _counted(before), strict=True)]
    if not any(delta):
        return
    db.session.connection().execute(
        _count_upsert(db.engine.dialect.name),
        {"client_id": client_id, **dict(zip(_COUNT_NAMES, delta, strict=True))},
    )


def refresh_counts(client_id: int) -> None:
    """Recount the client's session counts from their sessions, inside the caller's
    write transaction (for sessions written around the booking path, as the benchmark
    loads them; the booking path moves them with count_change). The counts row is
    locked first, so two writers for one client take turns."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    db.session.execute(
        upsert(ClientSessionCounts)
        .values(client_id=client_id, total=0, completed=0, cancelled=0, no_shows=0)
        .on_conflict_do_nothing()
    )
    db.session.execute(
        select(ClientSessionCounts.client_id)
        .where(ClientSessionCounts.client_id == client_id)
        .with_for_update()
    )
    counted = select(
        func.count().filter(Booking.status.in_(COUNTED)),
        func.count().filter(Booking.status == "completed"),
        func.count().filter(Booking.status == "cancelled"),
        func.count().filter(Booking.status == "no_show"),
    ).where(Booking.client_id == client_id, Booking.removed_at.is_(None))
    total, completed, cancelled, no_shows = db.session.execute(counted).one()
    db.session.execute(
        update(ClientSessionCounts)
        .where(ClientSessionCounts.client_id == client_id)
        .values(total=total, completed=completed, cancelled=cancelled, no_shows=no_shows)
    )


def _describe(booking: Booking, service: Service, practitioner: StaffMember | None) -> str:
    """How the timeline names a session: service, moment, practitioner."""
    who = f" with {practitioner.name}" if practitioner else ""
    return f"{service.name}, {local_datetime(booking.starts_at)}{who}"


def _client_for_booking(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        raise BookingRefused("client", "Choose a client.")
    if not client.takes_new_records:
        raise ClientClosed(client)
    return client


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
        return appointment_slot_at(service, practitioner_id, day, wall, zone, _now(), ignore)
    label = wall.strftime("%H:%M")
    return next(
        (slot for slot in class_slots(service, day, zone, _now()) if slot.label == label), None
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
        client = _client_for_booking(request.client_id)
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
            created_at=_now(),
            updated_at=_now(),
        )
        db.session.add(booking)
        db.session.flush()
        verb = "session.waitlisted" if status == "waitlisted" else "session.booked"
        changes = {"session": [None, _describe(booking, service, practitioner)]}
        if status == "pending":
            changes["status"] = [None, "Pending (bookings need approval)"]
        record(client, verb, actor, subject=booking, changes=changes)
        count_change(client.id, None, (status, False))
    return booking


# --- the status flow ------------------------------------------------------------------

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


def _locked_booking(booking_id: int) -> tuple[Booking, Service, StaffMember | None, Client]:
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


def change_status(booking_id: int, action: str, actor, reason: str | None = None) -> Booking:
    """Confirm, complete, mark no-show or cancel one session."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("not allowed for this staff member")
    allowed_from, new_status, verb = TRANSITIONS[action]
    with write_transaction():
        booking, service, practitioner, client = _locked_booking(booking_id)
        if booking.status not in allowed_from or booking.removed_at is not None:
            raise SessionChanged(booking, action)
        now = _now()
        if action in NEEDS_STARTED and booking.starts_at > now:
            raise NotYet("A session can be completed or marked as a no-show once it has begun.")
        was_holding = booking.status in HOLDING_STATUSES
        before = (booking.status, False)
        changes = {"session": [None, _describe(booking, service, practitioner)]}
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
        record(client, verb, actor, subject=booking, changes=changes)
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
    waiting.updated_at = _now()
    waiting.version += 1
    practitioner = (
        db.session.get(StaffMember, waiting.practitioner_id) if waiting.practitioner_id else None
    )
    description = _describe(waiting, service, practitioner)
    record(
        client,
        "session.moved_in",
        actor,
        subject=waiting,
        changes={"session": [None, description]},
    )
    # The cancelling client's timeline says the place went on (not to whom: another
    # client's name does not belong in this one's history).
    freed_client = db.session.get(Client, freed.client_id)
    record(
        freed_client,
        "session.place_passed_on",
        actor,
        subject=freed,
        changes={"session": [None, _describe(freed, service, practitioner)]},
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
        booking, service, old_practitioner, client = _locked_booking(booking_id)
        if booking.status not in ("pending", "confirmed") or booking.removed_at is not None:
            raise SessionChanged(booking, "reschedule")
        before = _describe(booking, service, old_practitioner)
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
        booking.updated_at = _now()
        booking.version += 1
        after = _describe(booking, service, practitioner)
        record(
            client,
            "session.rescheduled",
            actor,
            subject=booking,
            changes={"session": [before, after]},
        )
    return booking


# --- attendance and check-ins --------------------------------------------------------------


def remove_from_history(booking_id: int, reason: str, actor) -> Booking:
    if not can(actor, Permission.MANAGE_ATTENDANCE):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        booking, service, practitioner, client = _locked_booking(booking_id)
        if booking.removed_at is not None or booking.starts_at > _now():
            raise SessionChanged(booking, "remove")
        booking.removed_at = _now()
        booking.removed_reason = reason
        booking.version += 1
        record(
            client,
            "session.removed_from_history",
            actor,
            subject=booking,
            changes={
                "session": [None, _describe(booking, service, practitioner)],
                "removed_reason": [None, reason],
            },
        )
        count_change(client.id, (booking.status, False), (booking.status, True))
    return booking


def put_back_in_history(booking_id: int, actor) -> Booking:
    if not can(actor, Permission.MANAGE_ATTENDANCE):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        booking, service, practitioner, client = _locked_booking(booking_id)
        if booking.removed_at is None:
            raise SessionChanged(booking, "put_back")
        booking.removed_at = None
        booking.removed_reason = None
        booking.version += 1
        record(
            client,
            "session.put_back",
            actor,
            subject=booking,
            changes={"session": [None, _describe(booking, service, practitioner)]},
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
        client = _client_for_booking(client_id)
        changes = {}
        if booking_id is not None:
            booking, service, practitioner, _client = _locked_booking(booking_id)
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
            changes["session"] = [None, _describe(booking, service, practitioner)]
        if where:
            changes["checked_in_at"] = [None, where]
        arrival = CheckIn(client_id=client.id, booking_id=booking_id, at=_now(), staff_id=actor.id)
        db.session.add(arrival)
        db.session.flush()
        record(client, "client.checked_in", actor, subject=arrival, changes=changes or None)
    return arrival


# --- services and practitioners (Settings) ------------------------------------------------


def _require_settings(actor) -> None:
    if not can(actor, Permission.MANAGE_SETTINGS):
        raise PermissionError("settings are not allowed for this staff member")


SERVICE_FIELDS = ("name", "duration_minutes", "price_minor", "colour", "capacity", "active")


def save_service(values: dict, actor, service_id: int | None = None) -> Service:
    """Create a service, or change one (its sessions keep the times they were booked at)."""
    _require_settings(actor)
    if not 1 <= values["duration_minutes"] <= LONGEST_SERVICE_MINUTES:
        raise ValueError("a service lasts between a minute and LONGEST_SERVICE_MINUTES")
    with write_transaction():
        if service_id is None:
            service = Service(created_at=_now())
            db.session.add(service)
        else:
            service = db.session.get(Service, service_id, with_for_update=True)
            if service is None:
                raise LookupError(service_id)
        for name in SERVICE_FIELDS:
            setattr(service, name, values[name])
    return service


def add_class_time(service_id: int, weekday: int, starts: time, practitioner_id, actor):
    _require_settings(actor)
    with write_transaction():
        if db.session.get(Service, service_id) is None:
            raise LookupError(service_id)
        entry = ClassTime(
            service_id=service_id, weekday=weekday, starts=starts, practitioner_id=practitioner_id
        )
        db.session.add(entry)
    return entry


def remove_class_time(class_time_id: int, actor) -> None:
    _require_settings(actor)
    with write_transaction():
        db.session.execute(delete(ClassTime).where(ClassTime.id == class_time_id))


def set_practitioner(
    staff_id: int, takes_bookings: bool, hours: dict[int, tuple[time, time] | None], actor
) -> None:
    """ "Takes bookings" and the weekly hours (weekday -> (start, end), None = day off)."""
    _require_settings(actor)
    with write_transaction():
        member = db.session.get(StaffMember, staff_id, with_for_update=True)
        if member is None:
            raise LookupError(staff_id)
        member.takes_bookings = takes_bookings
        db.session.execute(delete(WorkingHours).where(WorkingHours.staff_id == staff_id))
        for weekday, span in sorted(hours.items()):
            if span is not None:
                db.session.add(
                    WorkingHours(staff_id=staff_id, weekday=weekday, starts=span[0], ends=span[1])
                )


def set_days_off(staff_id: int, days: set[date], actor) -> None:
    _require_settings(actor)
    with write_transaction():
        if db.session.get(StaffMember, staff_id) is None:
            raise LookupError(staff_id)
        db.session.execute(delete(DayOff).where(DayOff.staff_id == staff_id))
        for day in sorted(days):
            db.session.add(DayOff(staff_id=staff_id, day=day))


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
        booked_at = min(starts_at - timedelta(days=7), _now())
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
        description = {"session": [None, _describe(booking, service, practitioner)]}
        record(client, "session.booked", actor, subject=booking, changes=description, at=booked_at)
        verb = {
            "completed": "session.completed",
            "cancelled": "session.cancelled",
            "no_show": "session.no_show",
        }.get(status)
        if verb:
            record(client, verb, actor, subject=booking, changes=description, at=starts_at)
        count_change(client_id, None, (status, False))
    return booking
