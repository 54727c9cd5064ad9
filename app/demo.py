"""Demo data for a newcomer: staff, several hundred clients from many countries and a
plausible history for each. Deterministic (seeded) and idempotent."""

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import phonenumbers
from faker import Faker
from sqlalchemy import func, select

from app.auth.ops import add_staff
from app.bookings import ops as booking_ops
from app.clients import ops
from app.clients.ops import create_client, update_client
from app.core.clock import business_zone
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.mail.business import BUSINESS_NAME, save_business_details
from app.models import (
    EDITABLE_FIELDS,
    BusinessSetting,
    ClassTime,
    Client,
    Label,
    Service,
    StaffMember,
)
from app.models.text import fold
from app.reception.kiosk_ops import set_kiosk_pin

DEMO_OWNER_EMAIL = "owner@example.com"
DEMO_BUSINESS_NAME = "Willow Wellness Studio"
DEMO_BUSINESS_ADDRESS = "14 Orchard Lane\nBristol BS1 4DJ"
CREDENTIALS_FILE = "demo-owner.txt"

# (Faker locale, phone region, language, country) — a mixed clientele.
ORIGINS = [
    ("en_GB", "GB", "en", "GB"),
    ("en_GB", "GB", "en", "GB"),
    ("en_GB", "GB", "en", "GB"),
    ("en_US", "US", "en", "US"),
    ("en_IE", "IE", "en", "IE"),
    ("fr_FR", "FR", "fr", "FR"),
    ("de_DE", "DE", "de", "DE"),
    ("es_ES", "ES", "es", "ES"),
    ("es_MX", "MX", "es", "MX"),
    ("pt_BR", "BR", "pt", "BR"),
    ("it_IT", "IT", "it", "IT"),
    ("pl_PL", "PL", "pl", "PL"),
    ("nl_NL", "NL", "nl", "NL"),
    ("sv_SE", "SE", "sv", "SE"),
    ("tr_TR", "TR", "tr", "TR"),
]

DEMO_LABELS = [
    ("VIP", "purple"),
    ("Regular", "teal"),
    ("New client", "green"),
    ("Newsletter", "blue"),
    ("Prefers mornings", "yellow"),
    ("Corporate plan", "grey"),
]
DEMO_NOTES = [
    "Prefers a firm pressure; avoid the lower back.",
    "Likes the quiet room and no music.",
    "Usually books with a friend; ask if she wants a joint slot.",
    "Asked about the loyalty programme, call back in the spring.",
    "Sensitive skin: patch test before any new product.",
    "Training for a half marathon in June.",
    "Pays by bank transfer; send the invoice by email.",
    "Runs late on Mondays (school run).",
]
DEMO_ALERTS = [
    ("critical", "Severe nut allergy: no almond or walnut oils."),
    ("warning", "Pregnant: no hot stones, no deep tissue."),
    ("warning", "Latex allergy: use nitrile gloves."),
    ("info", "Hard of hearing: speak facing the client."),
]

DEMO_STAFF = [
    ("maya.patel@example.com", "Maya Patel", "manager"),
    ("tom.okafor@example.com", "Tom Okafor", "front_desk"),
    ("lena.fischer@example.com", "Lena Fischer", "practitioner"),
    ("ravi.shah@example.com", "Ravi Shah", "practitioner"),
]
# name, minutes, price in minor units, colour, capacity (more than 1: a class)
DEMO_SERVICES = [
    ("Deep tissue massage", 60, 6500, "teal", 1),
    ("Facial", 45, 5500, "pink", 1),
    ("Physio assessment", 30, 4500, "blue", 1),
    ("Yoga flow", 60, 1500, "purple", 12),
    ("Pilates mat", 45, 1400, "orange", 10),
]
# class name -> (weekday, "HH:MM") times
DEMO_CLASS_TIMES = {
    "Yoga flow": [(0, "18:00"), (2, "18:00"), (4, "18:00"), (5, "10:00")],
    "Pilates mat": [(1, "07:30"), (3, "07:30"), (5, "11:30"), (6, "10:00")],
}
DEMO_HOURS = {day: (time(9, 0), time(18, 0)) for day in range(6)}  # Monday to Saturday
DEMO_CANCEL_REASONS = ["Unwell", "Work came up", "Travelling", "Childcare", None]


def random_phone(rng: random.Random, region: str) -> str:
    """A valid mobile number of the region, in E.164."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for _ in range(50):
        keep = max(2, len(national) - 6)
        candidate = national[:keep] + "".join(
            rng.choice("0123456789") for _ in range(len(national) - keep)
        )
        number = phonenumbers.parse("+" + str(example.country_code) + candidate, None)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _email(rng: random.Random, first: str, last: str) -> str:
    local = ".".join(fold(part).replace(" ", "") for part in (first, last) if part)
    local = "".join(ch for ch in local if ch.isascii() and (ch.isalnum() or ch == "."))
    domain = rng.choice(["example.com", "example.org", "example.net"])
    suffix = rng.choice(["", "", str(rng.randint(1, 99))])
    return f"{local or 'client'}{suffix}@{domain}"


def _client_values(rng: random.Random, fakers: dict) -> dict:
    locale, region, language, country = rng.choice(ORIGINS)
    fake = fakers[locale]
    first, last = fake.first_name(), fake.last_name()
    values = dict.fromkeys(EDITABLE_FIELDS)
    values.update(first_name=first, last_name=last)
    if rng.random() < 0.9:
        values["email"] = _email(rng, first, last)
    if rng.random() < 0.92:
        values["phone"] = random_phone(rng, region)
    if rng.random() < 0.2:
        values["whatsapp"] = random_phone(rng, region)
    if rng.random() < 0.75:
        values["birth_date"] = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    if rng.random() < 0.7:
        values["preferred_language"] = language
    if rng.random() < 0.8:
        values.update(
            address=fake.street_address()[:200],
            city=fake.city()[:100],
            postal_code=fake.postcode()[:20],
            country=country,
        )
        if region in ("US", "MX", "BR"):
            values["state"] = fake.state()[:100] if hasattr(fake, "state") else None
    return values


def _later_change(rng: random.Random, fakers: dict, client: Client) -> dict:
    """A believable edit: a new phone, a new email, a move, a language set, a typo fixed."""
    kind = rng.choice(["phone", "email", "move", "language", "birth_date", "whatsapp"])
    values = {field: getattr(client, field) for field in EDITABLE_FIELDS}
    region = (
        phonenumbers.region_code_for_number(phonenumbers.parse(client.phone, None))
        if (client.phone)
        else "GB"
    )
    fake = fakers[next((o[0] for o in ORIGINS if o[1] == region), "en_GB")]
    if kind == "phone":
        values["phone"] = random_phone(rng, region)
    elif kind == "whatsapp":
        values["whatsapp"] = random_phone(rng, region)
    elif kind == "email":
        values["email"] = _email(rng, client.first_name, client.last_name or "")
    elif kind == "move":
        values.update(
            address=fake.street_address()[:200],
            city=fake.city()[:100],
            postal_code=fake.postcode()[:20],
        )
    elif kind == "language":
        values["preferred_language"] = rng.choice(["en", "fr", "de", "es", "pt", "it"])
    else:
        values["birth_date"] = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    return values


def _ensure_staff(instance_path: str) -> list[str]:
    report = []
    credentials = Path(instance_path) / CREDENTIALS_FILE
    owner = db.session.scalar(select(StaffMember).where(StaffMember.email == DEMO_OWNER_EMAIL))
    if owner is not None:
        if credentials.exists():
            saved = "  ".join(credentials.read_text().strip().splitlines())
            report.append(f"Demo owner: {saved}")
    else:
        password = secrets.token_urlsafe(12)
        owner = add_staff(DEMO_OWNER_EMAIL, "Olivia Owner", "owner", password)
        credentials.write_text(f"email {DEMO_OWNER_EMAIL}  password {password}\n")
        credentials.chmod(0o600)
        report.append(f"Created demo owner: email {DEMO_OWNER_EMAIL}  password {password}")
    if owner.kiosk_pin_hash is None:
        # Leaving the reception kiosk takes a staff PIN: the demo owner gets one.
        pin = f"{secrets.randbelow(10**6):06d}"
        set_kiosk_pin(SignedInStaff.of(owner), pin)
        if credentials.exists():
            with credentials.open("a") as file:
                file.write(f"kiosk PIN {pin}\n")
        report.append(f"Demo owner's kiosk PIN (to leave the reception kiosk): {pin}")
    for email, name, role in DEMO_STAFF:
        if not db.session.scalar(select(StaffMember.id).where(StaffMember.email == email)):
            add_staff(email, name, role, secrets.token_urlsafe(16))
    return report


def _ensure_business() -> None:
    """The name and address every demo email signs with (unless already set)."""
    if db.session.get(BusinessSetting, BUSINESS_NAME) is None:
        save_business_details(DEMO_BUSINESS_NAME, DEMO_BUSINESS_ADDRESS)


def seed(client_count: int, instance_path: str, now: datetime | None = None) -> list[str]:
    report = _ensure_staff(instance_path)
    _ensure_business()
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
    events = 0
    # Through the same ops functions as the screens, back-dated: history as it would be.
    for _ in range(client_count - existing):
        created = now - timedelta(days=rng.uniform(1, 3 * 365))
        client = create_client(_client_values(rng, fakers), rng.choice(staff), at=created)
        events += 1
        moment = created
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 6])):
            moment += timedelta(days=rng.uniform(0.01, (now - moment).days / 2 + 0.02))
            if moment >= now:
                break
            changed = update_client(
                client, _later_change(rng, fakers, client), rng.choice(staff), at=moment
            )
            events += bool(changed)
    events += _profile_depth(rng, staff, now, existing)
    sessions = _sessions(rng, staff, now, existing)
    accounts = _accounts(rng, staff, now, existing)
    report.append(
        f"Added {client_count - existing} demo clients with {events} timeline events, "
        f"{sessions} sessions and {accounts} memberships, packs and passes."
    )
    return report


def _ensure_services(owner) -> tuple[list[Service], list[int]]:
    """Services, classes with their weekly times, and practitioners with hours."""
    if not db.session.scalar(select(Service.id).limit(1)):
        for name, minutes, price, colour, capacity in DEMO_SERVICES:
            values = dict(
                name=name,
                duration_minutes=minutes,
                price_minor=price,
                colour=colour,
                capacity=capacity,
                active=True,
            )
            booking_ops.save_service(values, owner)
    practitioners = db.session.scalars(
        select(StaffMember.id).where(StaffMember.role.in_(("practitioner", "manager")))
    ).all()
    for staff_id in practitioners:
        if not db.session.get(StaffMember, staff_id).takes_bookings:
            booking_ops.set_practitioner(staff_id, True, DEMO_HOURS, owner)
    services = db.session.scalars(select(Service).order_by(Service.id)).all()
    for service in services:
        times = DEMO_CLASS_TIMES.get(service.name, [])
        if times and not db.session.scalar(
            select(ClassTime.id).where(ClassTime.service_id == service.id)
        ):
            for index, (weekday, starts) in enumerate(times):
                leader = practitioners[index % len(practitioners)]
                booking_ops.add_class_time(
                    service.id, weekday, time.fromisoformat(starts), leader, owner
                )
    return services, practitioners


def _sessions(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Past sessions (mostly completed, some cancelled or missed), upcoming ones booked
    through the real booking path, and a few today so reception has a day to show."""
    owner = next(member for member in staff if member.role == "owner")
    services, practitioners = _ensure_services(owner)
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
            booking_ops.add_past_session(
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
        request = booking_ops.BookingRequest(
            client_id=client.id,
            service_id=service.id,
            practitioner_id=rng.choice(practitioners),
            day=day,
            wall_time=at,
            confirm_blocked=True,
        )
        try:
            booking_ops.create_booking(request, rng.choice(staff))
        except booking_ops.BookingRefused:
            starts = datetime.combine(day, at, tzinfo=business_zone())
            if day != now.date() or starts >= now or service.is_class:
                continue  # taken: the demo skips it
            # Earlier today (a demo started late in the day): booked, not yet seen.
            booking_ops.add_past_session(
                client.id, service.id, request.practitioner_id, starts, "confirmed", owner
            )
        count += 1
    return count


def _profile_depth(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Labels, notes, alerts, locks, booking policies and a small trash for the new clients."""
    owner = next(member for member in staff if member.role == "owner")
    deciders = [member for member in staff if member.role in ("owner", "manager")]
    if not db.session.scalar(select(Label.id).limit(1)):
        for name, colour in DEMO_LABELS:
            ops.create_label(name, colour, owner)
    labels = db.session.scalars(select(Label.id).order_by(Label.id)).all()
    clients = db.session.scalars(select(Client).order_by(Client.id).offset(skip)).all()
    events = 0
    for client in clients:
        if rng.random() < 0.45:
            chosen = set(rng.sample(labels, rng.choice([1, 1, 2, 3])))
            events += bool(ops.set_client_labels(client, chosen, rng.choice(staff)))
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
            moment = client.created_at + (now - client.created_at) * rng.uniform(0.05, 0.95)
            pinned = rng.random() < 0.15
            ops.add_note(client, rng.choice(DEMO_NOTES), rng.choice(staff), pinned, at=moment)
            events += 1
        if rng.random() < 0.06:
            severity, text = rng.choice(DEMO_ALERTS)
            ops.add_alert(client, severity, text, rng.choice(staff), at=client.created_at)
            events += 1
        if rng.random() < 0.04:
            policy = rng.choice(["approval", "block"])
            reason = "Two no-shows in a row." if policy == "block" else "Books long treatments."
            ops.set_booking_policy(client, policy, reason, rng.choice(deciders), at=now)
            events += 1
        if rng.random() < 0.03:
            ops.lock_client(client, "Identity and details checked.", rng.choice(deciders), at=now)
            events += 1
    for client in rng.sample(clients, min(3, len(clients))):
        if not client.is_locked:
            ops.delete_client(client, owner, at=now)
            events += 1
    return events


# --- accounts: plans, memberships, packs, credits and passes ------------------------------

# name, kind, price, billing period, minimum term, credits, credit expiry days, services
DEMO_PLANS = [
    ("Monthly membership", "membership", 8900, "month", 3, 8, None, ("Yoga flow", "Pilates mat")),
    ("Yearly membership", "membership", 89000, "year", 1, 0, None, ()),
    ("Weekly classes", "membership", 2500, "week", 4, 2, None, ("Yoga flow", "Pilates mat")),
    ("10 classes, 90 days", "pack", 13000, None, 1, 10, 90, ("Yoga flow", "Pilates mat")),
    ("5 massages, 180 days", "pack", 29000, None, 1, 5, 180, ("Deep tissue massage",)),
]
# What each demo account holds, in turn.
DEMO_ACCOUNTS = (
    "monthly",
    "overdue",
    "pack",
    "paused",
    "yearly",
    "cancelled",
    "expired_pack",
    "issued",
    "monthly",
    "pack",
)


def _ensure_plans(owner) -> dict[str, int]:
    from app.accounts.plans import PlanValues, save_plan
    from app.models.accounts import MembershipPlan

    if not db.session.scalar(select(MembershipPlan.id).limit(1)):
        service_ids = dict(db.session.execute(select(Service.name, Service.id)).all())
        for name, kind, price, period, term, credits, expiry, services in DEMO_PLANS:
            values = PlanValues(
                name=name,
                kind=kind,
                price_minor=price,
                billing_period=period,
                minimum_term=term,
                credits=credits,
                credit_expiry_days=expiry,
                active=True,
                service_ids=[service_ids[s] for s in services if s in service_ids],
            )
            save_plan(values, owner)
    return dict(db.session.execute(select(MembershipPlan.name, MembershipPlan.id)).all())


def _redeem_past(client_id: int, service: Service, practitioner: int, starts, actor) -> None:
    """A class or treatment already given, paid with one of the client's credits."""
    from app.accounts.ledger import redeem_credit
    from app.core.database import write_transaction
    from app.models import utcnow

    booking = booking_ops.add_past_session(
        client_id, service.id, practitioner, starts, "completed", actor
    )
    with write_transaction():
        redeem_credit(client_id, service.id, booking.id, actor, utcnow())


def _accounts(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Plans and packs, then for some of the new clients a membership (active, overdue,
    paused, cancelled), a pack (in use, or expired), credits in every state (redeemable,
    redeemed by past sessions, revoked, expired) and passes; through the areas' ops."""
    from app.accounts import credits as credit_ops
    from app.accounts import memberships as membership_ops
    from app.accounts import passes as pass_ops

    owner = next(member for member in staff if member.role == "owner")
    services, practitioners = _ensure_services(owner)
    plans = _ensure_plans(owner)
    by_name = {service.name: service for service in services}
    classes = [by_name[name] for name in ("Yoga flow", "Pilates mat") if name in by_name]
    massage = by_name.get("Deep tissue massage")
    today = now.astimezone(business_zone()).date()
    clients = db.session.scalars(
        select(Client).where(Client.deleted_at.is_(None)).order_by(Client.id).offset(skip)
    ).all()
    chosen = rng.sample(clients, min(len(clients), 3 * len(DEMO_ACCOUNTS)))
    count = 0

    def past(days_ago: int, hour: int) -> datetime:
        day = today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, 0), tzinfo=business_zone())

    for index, client in enumerate(chosen):
        kind = DEMO_ACCOUNTS[index % len(DEMO_ACCOUNTS)]
        seller = rng.choice(staff)
        if kind in ("monthly", "overdue", "cancelled"):
            paid = None if kind == "overdue" else rng.choice(["card_terminal", "cash"])
            starts = today - timedelta(days={"monthly": 10, "overdue": 40, "cancelled": 75}[kind])
            sold = membership_ops.sell_membership(
                client.id, plans["Monthly membership"], starts, seller, paid_with=paid, today=today
            )
            if kind == "cancelled":
                membership_ops.cancel_membership(
                    client.id, sold.id, "Moving away", owner, today=today
                )
        elif kind == "paused":
            sold = membership_ops.sell_membership(
                client.id,
                plans["Weekly classes"],
                today - timedelta(days=3),
                seller,
                paid_with="cash",
                today=today,
            )
            membership_ops.pause_membership(
                client.id, sold.id, today, today + timedelta(days=13), owner, today=today
            )
        elif kind == "yearly":
            membership_ops.sell_membership(
                client.id,
                plans["Yearly membership"],
                today - timedelta(days=100),
                seller,
                paid_with="bank_transfer",
                today=today,
            )
        elif kind == "pack" and classes:
            membership_ops.sell_membership(
                client.id,
                plans["10 classes, 90 days"],
                today - timedelta(days=20),
                seller,
                paid_with="card_terminal",
                today=today,
            )
            for days_ago in rng.sample(range(1, 19), 3):
                _redeem_past(
                    client.id,
                    rng.choice(classes),
                    rng.choice(practitioners),
                    past(days_ago, 18),
                    owner,
                )
        elif kind == "expired_pack" and massage:
            membership_ops.sell_membership(
                client.id,
                plans["5 massages, 180 days"],
                today - timedelta(days=200),
                seller,
                paid_with="cash",
                today=today,
            )
        elif kind == "issued":
            credit_ops.issue_credits(
                client.id,
                credit_ops.IssueValues(2, today + timedelta(days=30), "Our teacher was ill"),
                owner,
            )
            wrong = credit_ops.issue_credits(
                client.id,
                credit_ops.IssueValues(1, today + timedelta(days=30), "Welcome class"),
                owner,
            )
            credit_ops.revoke_credits(client.id, wrong.id, "Issued to the wrong client", owner)
            # Both of the make-up classes taken since: a grant fully redeemed.
            for days_ago in (2, 5):
                if classes:
                    _redeem_past(
                        client.id, classes[0], rng.choice(practitioners), past(days_ago, 18), owner
                    )
        count += 1
        if index % 3 == 0:
            pass_ops.add_pass(client.id, f"CL-{client.id:06d}", seller)
            count += 1
    # This period's membership credits, then what has expired (as the hourly job would).
    credit_ops.run_credit_jobs()
    # Members use this period's credits for classes already given.
    for index, client in enumerate(chosen):
        if DEMO_ACCOUNTS[index % len(DEMO_ACCOUNTS)] == "monthly" and classes:
            for days_ago in rng.sample(range(1, 9), 2):
                _redeem_past(
                    client.id,
                    rng.choice(classes),
                    rng.choice(practitioners),
                    past(days_ago, 7),
                    owner,
                )
    # A lost card, replaced.
    for client in chosen[:1]:
        from app.models.accounts import Pass

        card = db.session.scalar(
            select(Pass).where(Pass.client_id == client.id, Pass.ended_at.is_(None))
        )
        if card is not None:
            pass_ops.replace_pass(client.id, card.id, f"CL-{client.id:06d}-2", "Lost", owner)
    return count
