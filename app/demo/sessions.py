"""The demo's sessions: a past for many of the new clients (mostly completed, some
cancelled or missed) and upcoming bookings made through the real booking path, a dozen of
them today so reception has a day to show."""

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.bookings.api import BookingRefused, BookingRequest, add_past_session, create_booking
from app.core.clock import business_zone
from app.core.extensions import db
from app.demo.business import DEMO_CLASS_TIMES, ensure_services
from app.models import Client

DEMO_CANCEL_REASONS = ["Unwell", "Work came up", "Travelling", "Childcare", None]


def add_sessions(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Past sessions (mostly completed, some cancelled or missed), upcoming ones booked
    through the real booking path, and a few today so reception has a day to show."""
    owner = next(member for member in staff if member.role == "owner")
    services, practitioners = ensure_services(owner)
    appointments = [service for service in services if not service.is_class]
    clients = db.session.scalars(
        select(Client).where(Client.deleted_at.is_(None)).order_by(Client.id).offset(skip)
    ).all()
    taken: set[tuple[int, datetime]] = set()
    count = 0
    for client in clients:
        if rng.random() < 0.35:
            continue
        for _ in range(rng.choice([1, 1, 2, 3, 4, 6, 8])):
            days_ago = rng.uniform(1, max((now - client.created_at).days, 2))
            day = (now - timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0)
            starts = day.replace(hour=rng.randrange(9, 17))
            practitioner = rng.choice(practitioners)
            if (practitioner, starts) in taken or starts >= now:
                continue
            taken.add((practitioner, starts))
            status = rng.choices(["completed", "cancelled", "no_show"], weights=[85, 10, 5])[0]
            reason = rng.choice(DEMO_CANCEL_REASONS) if status == "cancelled" else None
            add_past_session(
                client.id,
                rng.choice(appointments).id,
                practitioner,
                starts,
                status,
                rng.choice(staff),
                reason,
            )
            count += 1
    booked = rng.sample(clients, min(len(clients), 60))
    for index, client in enumerate(booked):
        # The first dozen today (reception's day), the others over the next two weeks.
        day = now.date() if index < 12 else now.date() + timedelta(days=rng.randrange(1, 15))
        service = rng.choice(services)
        at = time(rng.randrange(9, 17), rng.choice([0, 30]))
        if service.is_class:
            weekday_times = DEMO_CLASS_TIMES[service.name]
            if not any(weekday == day.weekday() for weekday, _ in weekday_times):
                service = rng.choice(appointments)
            else:
                at = time.fromisoformat(
                    next(starts for weekday, starts in weekday_times if weekday == day.weekday())
                )
        request = BookingRequest(
            client_id=client.id,
            service_id=service.id,
            practitioner_id=rng.choice(practitioners),
            day=day,
            wall_time=at,
            confirm_blocked=True,
        )
        try:
            create_booking(request, rng.choice(staff))
        except BookingRefused:
            starts = datetime.combine(day, at, tzinfo=business_zone())
            if day != now.date() or starts >= now or service.is_class:
                continue  # taken: the demo skips it
            # Earlier today (a demo started late in the day): booked, not yet seen.
            add_past_session(
                client.id, service.id, request.practitioner_id, starts, "confirmed", owner
            )
        count += 1
    return count
