"""Free times: working hours, the service's duration and the bookings already made.

Hours and class times are wall-clock times of the business; each candidate start is a
wall-clock time turned into an instant for that date, so on a daylight-saving day a
09:00 start stays 09:00 on the clock. A wall-clock time the clock skips (the spring
change) is not offered; one it passes twice (autumn) is offered once, its first pass.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select

from app.core.database import inline_constants
from app.core.extensions import db
from app.models import (
    HOLDING_STATUSES,
    LONGEST_SERVICE_MINUTES,
    Booking,
    ClassTime,
    DayOff,
    Service,
    StaffMember,
    WorkingHours,
)

SLOT_STEP = timedelta(minutes=15)
LONGEST_SERVICE = timedelta(minutes=LONGEST_SERVICE_MINUTES)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    label: str  # "14:30", wall clock in the business zone
    places_left: int | None = None  # classes only
    practitioner_id: int | None = None

    @property
    def value(self) -> str:
        """What a form posts: the wall-clock time, read back with the form's date."""
        return self.label


def instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of `wall` on `day` in `zone`; None when the clock skips it."""
    local = datetime.combine(day, wall, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in the spring gap: 01:30 does not exist that night
    return moment


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where `day` starts and ends in the business zone."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


# Built once, run with parameters: a booking asks both inside its write transaction.
_HOURS_ON = select(WorkingHours).where(
    WorkingHours.staff_id == bindparam("staff_id"),
    WorkingHours.weekday == bindparam("weekday"),
    ~select(DayOff.id)
    .where(DayOff.staff_id == bindparam("staff_id"), DayOff.day == bindparam("day"))
    .exists(),
)
_BUSY = inline_constants(
    select(Booking.starts_at, Booking.ends_at).where(
        Booking.practitioner_id == bindparam("staff_id"),
        Booking.status.in_(HOLDING_STATUSES),
        Booking.starts_at < bindparam("end"),
        Booking.ends_at > bindparam("start"),
        # Implied by the line above (no session is longer), and what bounds the index scan.
        Booking.starts_at > bindparam("earliest"),
        Booking.id != bindparam("ignore"),
    )
)
NO_BOOKING = 0  # ids start at 1: "ignore no booking"
# One slot's check in one round trip: the hours of that day with whether the slot's time
# is taken (what a booking asks inside its write transaction).
_HOURS_AND_BUSY = inline_constants(
    _HOURS_ON.add_columns(_BUSY.with_only_columns(Booking.id).exists().label("busy"))
)


def hours_on(practitioner_id: int, day: date) -> WorkingHours | None:
    """The practitioner's hours on `day`; None on their weekly day off or a day off."""
    return db.session.scalar(
        _HOURS_ON, {"staff_id": practitioner_id, "weekday": day.weekday(), "day": day}
    )


def busy_periods(
    practitioner_id: int, start: datetime, end: datetime, ignore_booking: int | None = None
) -> list[tuple[datetime, datetime]]:
    """The practitioner's held time overlapping [start, end)."""
    rows = db.session.connection().execute(
        _BUSY,
        {
            "staff_id": practitioner_id,
            "start": start,
            "end": end,
            "earliest": start - LONGEST_SERVICE,
            "ignore": NO_BOOKING if ignore_booking is None else ignore_booking,
        },
    )
    return [(row.starts_at, row.ends_at) for row in rows]


def appointment_slots(
    service: Service,
    practitioner_id: int,
    day: date,
    zone: ZoneInfo,
    now: datetime,
    ignore_booking: int | None = None,
) -> list[Slot]:
    """Start times on `day` where the whole service fits in the practitioner's hours,
    clear of their other sessions, and later than now."""
    hours = hours_on(practitioner_id, day)
    if hours is None:
        return []
    opens, closes = instant(day, hours.starts, zone), instant(day, hours.ends, zone)
    if opens is None or closes is None:
        opens = opens or datetime.combine(day, hours.starts, tzinfo=zone).astimezone(UTC)
        closes = closes or datetime.combine(day, hours.ends, tzinfo=zone).astimezone(UTC)
    duration = timedelta(minutes=service.duration_minutes)
    busy = busy_periods(practitioner_id, opens, closes, ignore_booking)
    slots, seen = [], set()
    wall = datetime.combine(day, hours.starts)
    while wall.time() < hours.ends and wall.date() == day:
        starts_at = instant(day, wall.time(), zone)
        wall += SLOT_STEP
        if starts_at is None or starts_at in seen:
            continue
        seen.add(starts_at)
        ends_at = starts_at + duration
        if starts_at <= now or ends_at > closes:
            continue
        if any(start < ends_at and end > starts_at for start, end in busy):
            continue
        label = starts_at.astimezone(zone).strftime("%H:%M")
        slots.append(Slot(starts_at, label, practitioner_id=practitioner_id))
    return slots


def appointment_slot_at(
    service: Service,
    practitioner_id: int,
    day: date,
    wall: time,
    zone: ZoneInfo,
    now: datetime,
    ignore_booking: int | None = None,
) -> Slot | None:
    """The slot at `wall` if appointment_slots() offers it, else None: the same rules,
    asked of one time (what a booking checks, inside its transaction) instead of a day,
    in one statement (the day's hours, and whether anything holds that time)."""
    starts_at = instant(day, wall, zone)
    if starts_at is None or starts_at <= now:
        return None
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    row = db.session.execute(
        _HOURS_AND_BUSY,
        {
            "staff_id": practitioner_id,
            "weekday": day.weekday(),
            "day": day,
            "start": starts_at,
            "end": ends_at,
            "earliest": starts_at - LONGEST_SERVICE,
            "ignore": NO_BOOKING if ignore_booking is None else ignore_booking,
        },
    ).first()
    if row is None or row.busy:
        return None
    hours = row.WorkingHours
    if not (hours.starts <= wall < hours.ends):
        return None
    step = int(SLOT_STEP.total_seconds() // 60)
    offset = (wall.hour * 60 + wall.minute) - (hours.starts.hour * 60 + hours.starts.minute)
    if offset % step or wall.second or wall.microsecond:
        return None
    closes = instant(day, hours.ends, zone) or datetime.combine(
        day, hours.ends, tzinfo=zone
    ).astimezone(UTC)
    if ends_at > closes:
        return None
    return Slot(
        starts_at, starts_at.astimezone(zone).strftime("%H:%M"), practitioner_id=practitioner_id
    )


def class_slots(service: Service, day: date, zone: ZoneInfo, now: datetime) -> list[Slot]:
    """The class's scheduled times on `day` with the places left (0 = full)."""
    times = db.session.scalars(
        select(ClassTime)
        .where(ClassTime.service_id == service.id, ClassTime.weekday == day.weekday())
        .order_by(ClassTime.starts)
    ).all()
    if not times:
        return []
    start, end = day_bounds(day, zone)
    taken = dict(
        db.session.execute(
            select(Booking.starts_at, func.count())
            .where(
                Booking.service_id == service.id,
                Booking.status.in_(HOLDING_STATUSES),
                and_(Booking.starts_at >= start, Booking.starts_at < end),
            )
            .group_by(Booking.starts_at)
        ).all()
    )
    slots = []
    for class_time in times:
        starts_at = instant(day, class_time.starts, zone)
        if starts_at is None or starts_at <= now:
            continue
        places = max(service.capacity - taken.get(starts_at, 0), 0)
        label = starts_at.astimezone(zone).strftime("%H:%M")
        slots.append(Slot(starts_at, label, places, class_time.practitioner_id))
    return slots


def practitioners() -> list[StaffMember]:
    return db.session.scalars(
        select(StaffMember)
        .where(StaffMember.takes_bookings.is_(True), StaffMember.active.is_(True))
        .order_by(StaffMember.name)
    ).all()
