"""Sessions for the benchmark's pages: a client with 5 sessions and one with 5,000, a day
of 400 sessions for the reception page, and the free slots that the booking load POSTs.

Added to the cached web database before each run (the previous run's are removed
first), straight through SQLAlchemy Core: the data, not the booking path, is the point
here; the booking path is what the POST load measures.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, insert, select

FEW, MANY, DAY_SESSIONS = 5, 5_000, 400
PRACTITIONERS = 20
SLOT_MINUTES = 15
BOOKING_DAYS = 24  # days of free slots for the POST load, after the upcoming sessions'
UPCOMING_DAYS = (2, 3)  # the few and many clients' upcoming sessions, days from today
BENCH_SERVICE = "Bench session"
PRACTITIONER_EMAIL = "bench.practitioner.{}@example.com"


@dataclass
class SessionPlan:
    few_id: int
    many_id: int
    booking_bodies: list[str]  # form bodies, each a distinct free slot


def _clear(db, models) -> None:
    Booking, CheckIn, Service, StaffMember, WorkingHours = models
    service_ids = select(Service.id).where(Service.name == BENCH_SERVICE)
    booking_ids = select(Booking.id).where(Booking.service_id.in_(service_ids))
    db.session.execute(delete(CheckIn).where(CheckIn.booking_id.in_(booking_ids)))
    db.session.execute(delete(Booking).where(Booking.service_id.in_(service_ids)))
    db.session.execute(delete(Service).where(Service.name == BENCH_SERVICE))
    staff_ids = select(StaffMember.id).where(StaffMember.email.like("bench.practitioner.%"))
    db.session.execute(delete(WorkingHours).where(WorkingHours.staff_id.in_(staff_ids)))
    db.session.execute(delete(StaffMember).where(StaffMember.email.like("bench.practitioner.%")))


def prepare_sessions(
    app, client_ids: list[int], csrf_field: str = "csrf_token", booked_ids: list[int] = ()
) -> SessionPlan:
    from app.bookings.counts import refresh_counts
    from app.bookings.slots import instant
    from app.core.clock import business_zone
    from app.core.database import write_transaction
    from app.core.extensions import db
    from app.models import Booking, CheckIn, Service, StaffMember, WorkingHours

    rng = random.Random(31)
    models = (Booking, CheckIn, Service, StaffMember, WorkingHours)
    with app.app_context():
        zone = business_zone()
        now = datetime.now(UTC)
        today = now.astimezone(zone).date()
        with write_transaction():
            _clear(db, models)
            service_id = db.session.execute(
                insert(Service)
                .values(
                    name=BENCH_SERVICE,
                    duration_minutes=SLOT_MINUTES,
                    price_minor=3000,
                    colour="teal",
                    capacity=1,
                    active=True,
                    created_at=now,
                )
                .returning(Service.id)
            ).scalar_one()
            practitioners = []
            for number in range(PRACTITIONERS):
                practitioners.append(
                    db.session.execute(
                        insert(StaffMember)
                        .values(
                            email=PRACTITIONER_EMAIL.format(number),
                            name=f"Bench Practitioner {number:02d}",
                            password_hash="!",  # noqa: S106 (no hash matches: cannot sign in)
                            role="practitioner",
                            active=True,
                            takes_bookings=True,
                            created_at=now,
                        )
                        .returning(StaffMember.id)
                    ).scalar_one()
                )
            db.session.execute(
                insert(WorkingHours),
                [
                    {"staff_id": staff_id, "weekday": day, "starts": time(0), "ends": time(23, 59)}
                    for staff_id in practitioners
                    for day in range(7)
                ],
            )
            few_id, many_id = client_ids[0], client_ids[1]

            def session(client_id, practitioner, starts_at, status):
                return {
                    "client_id": client_id,
                    "service_id": service_id,
                    "practitioner_id": practitioner,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=SLOT_MINUTES),
                    "status": status,
                    "late_cancellation": False,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }

            rows = []
            # Past sessions an hour apart going back, and a few upcoming ones.
            for index in range(MANY):
                starts = now - timedelta(hours=index + 1)
                rows.append(
                    session(many_id, practitioners[index % PRACTITIONERS], starts, "completed")
                )
            for index in range(FEW):
                starts = now - timedelta(days=index + 1)
                rows.append(session(few_id, practitioners[index], starts, "completed"))
            for client_id in (few_id, many_id):
                for days in UPCOMING_DAYS:
                    starts = datetime.combine(today + timedelta(days=days), time(8), tzinfo=zone)
                    rows.append(session(client_id, practitioners[-1], starts, "confirmed"))
            # Today: 400 sessions over the day, 20 practitioners with 20 each.
            day_start = datetime.combine(today, time(0), tzinfo=zone)
            for index in range(DAY_SESSIONS):
                practitioner = practitioners[index % PRACTITIONERS]
                starts = day_start + timedelta(minutes=SLOT_MINUTES * 3 * (index // PRACTITIONERS))
                rows.append(session(rng.choice(client_ids), practitioner, starts, "confirmed"))
            db.session.execute(insert(Booking), rows)
            # The counts the statistics read, as the booking path keeps them (the
            # booking load of a previous run left some behind for these clients too).
            for client_id in [*client_ids, *booked_ids]:
                refresh_counts(client_id)
        db.session.remove()
    bodies = []
    # From the day after the upcoming sessions: a body for a slot they hold would be refused.
    first_day: date = today + timedelta(days=max(UPCOMING_DAYS) + 1)
    for day_offset in range(BOOKING_DAYS):
        day = first_day + timedelta(days=day_offset)
        for minute in range(0, 24 * 60 - SLOT_MINUTES, SLOT_MINUTES):
            wall = f"{minute // 60:02d}:{minute % 60:02d}"
            if instant(day, time.fromisoformat(wall), zone) is None:
                continue  # the hour a daylight-saving change skips
            for practitioner in practitioners:
                bodies.append(
                    urlencode(
                        {
                            "service": service_id,
                            "practitioner": practitioner,
                            "day": day.isoformat(),
                            "time": wall,
                        }
                    )
                )
    rng.shuffle(bodies)
    return SessionPlan(few_id, many_id, bodies)
