"""The Settings writes that sessions are booked against: services, class times, and
each practitioner's "takes bookings", weekly hours and days off.
"""

from datetime import date, time

from sqlalchemy import delete

from app.bookings.checks import current_time
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.models import (
    LONGEST_SERVICE_MINUTES,
    ClassTime,
    DayOff,
    Service,
    StaffMember,
    WorkingHours,
)


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
            service = Service(created_at=current_time())
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
