"""Services, practitioners and sessions for tests: set up through the real ops."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.ops import add_staff
from app.bookings import scheduling, service_settings
from app.core.sessions import SignedInStaff

ALL_WEEK = dict.fromkeys(range(7), (time(9, 0), time(17, 0)))
LONDON = ZoneInfo("Europe/London")


def service_values(**overrides) -> dict:
    return {
        "name": "Massage",
        "duration_minutes": 60,
        "price_minor": 5000,
        "colour": "teal",
        "capacity": 1,
        "active": True,
    } | overrides


def practitioner(app, actor, name="Sam Practitioner", hours=None, email=None):
    """A staff member who takes bookings, 09:00-17:00 every day unless told otherwise."""
    with app.app_context():
        member = add_staff(
            email or f"{name.split()[0].lower()}@example.com",
            name,
            "practitioner",
            "pw-long-enough-1",
        )
        service_settings.set_practitioner(
            member.id, True, ALL_WEEK if hours is None else hours, actor
        )
        return SignedInStaff.of(member)


def service(app, actor, **overrides):
    with app.app_context():
        return service_settings.save_service(service_values(**overrides), actor).id


def future_day(days: int = 7) -> date:
    return datetime.now(LONDON).date() + timedelta(days=days)


def future_weekday(days: int = 7) -> date:
    """The first Monday-to-Saturday at least `days` ahead (for hours that differ on Sundays)."""
    day = future_day(days)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def began_earlier_today(at_most: timedelta = timedelta(hours=1)) -> datetime:
    """A moment in the past that is still today in the business's zone: `at_most` ago, or
    half the time since midnight when the day is younger than that."""
    now = datetime.now(LONDON)
    since_midnight = now - now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (now - min(at_most, since_midnight / 2)).astimezone(UTC)


def book(app, actor, client_id, service_id, practitioner_id, day, at="10:00", **kwargs):
    with app.app_context():
        return scheduling.create_booking(
            scheduling.BookingRequest(
                client_id=client_id,
                service_id=service_id,
                practitioner_id=practitioner_id,
                day=day,
                wall_time=time.fromisoformat(at),
                **kwargs,
            ),
            actor,
        ).id
