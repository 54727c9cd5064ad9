"""The demo's one entry point, `seed`: the business first (staff, details), then as many
new clients as it takes to reach the number asked for, with their profiles, sessions and
accounts, each step in its own module. Seeded by the number of clients already on file,
so a second run adds nothing and a larger one adds only the difference."""

import random
from datetime import UTC, datetime

from faker import Faker
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.demo.accounts import add_accounts
from app.demo.business import ensure_business, ensure_staff
from app.demo.clients import ORIGINS, add_clients, add_profile_depth
from app.demo.sessions import add_sessions
from app.models import Client, StaffMember


def seed(client_count: int, instance_path: str, now: datetime | None = None) -> list[str]:
    report = ensure_staff(instance_path)
    ensure_business()
    existing = db.session.scalar(select(func.count()).select_from(Client))
    if existing >= client_count:
        report.append(f"{existing} clients already on file; nothing to add.")
        return report
    staff = [
        SignedInStaff.of(member)
        for member in db.session.scalars(select(StaffMember).order_by(StaffMember.id))
    ]
    rng = random.Random(20261122 + existing)
    Faker.seed(20261122 + existing)
    fakers = {locale: Faker(locale) for locale in {origin[0] for origin in ORIGINS}}
    now = now or datetime.now(UTC)
    events = add_clients(rng, fakers, staff, now, client_count - existing)
    events += add_profile_depth(rng, staff, now, existing)
    sessions = add_sessions(rng, staff, now, existing)
    accounts = add_accounts(rng, staff, now, existing)
    report.append(
        f"Added {client_count - existing} demo clients with {events} timeline events, "
        f"{sessions} sessions and {accounts} memberships, packs and passes."
    )
    return report
