"""The demo's clients: new ones from many countries (names, phones, emails and addresses
true to each), created back-dated through the clients' own ops and then edited now and
then as real details change, and their profiles' depth: labels, notes, alerts, booking
policies, locks and a small trash."""

import random
from datetime import date, datetime, timedelta

import phonenumbers
from sqlalchemy import select

from app.clients.api import (
    add_alert,
    add_note,
    create_client,
    create_label,
    delete_client,
    lock_client,
    set_booking_policy,
    set_client_labels,
    update_client,
)
from app.core.extensions import db
from app.models import EDITABLE_FIELDS, Client, Label
from app.models.text import fold

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


def client_values(rng: random.Random, fakers: dict) -> dict:
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


def later_change(rng: random.Random, fakers: dict, client: Client) -> dict:
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


def add_clients(rng: random.Random, fakers: dict, staff: list, now: datetime, count: int) -> int:
    """`count` new clients, each created at some point of the last three years and then
    changed a few times since; returns the number of timeline events written."""
    events = 0
    # Through the same ops functions as the screens, back-dated: history as it would be.
    for _ in range(count):
        created = now - timedelta(days=rng.uniform(1, 3 * 365))
        client = create_client(client_values(rng, fakers), rng.choice(staff), at=created)
        events += 1
        moment = created
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 6])):
            moment += timedelta(days=rng.uniform(0.01, (now - moment).days / 2 + 0.02))
            if moment >= now:
                break
            changed = update_client(
                client, later_change(rng, fakers, client), rng.choice(staff), at=moment
            )
            events += bool(changed)
    return events


def add_profile_depth(rng: random.Random, staff: list, now: datetime, skip: int) -> int:
    """Labels, notes, alerts, locks, booking policies and a small trash for the new clients."""
    owner = next(member for member in staff if member.role == "owner")
    deciders = [member for member in staff if member.role in ("owner", "manager")]
    if not db.session.scalar(select(Label.id).limit(1)):
        for name, colour in DEMO_LABELS:
            create_label(name, colour, owner)
    labels = db.session.scalars(select(Label.id).order_by(Label.id)).all()
    clients = db.session.scalars(select(Client).order_by(Client.id).offset(skip)).all()
    events = 0
    for client in clients:
        if rng.random() < 0.45:
            chosen = set(rng.sample(labels, rng.choice([1, 1, 2, 3])))
            events += bool(set_client_labels(client, chosen, rng.choice(staff)))
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
            moment = client.created_at + (now - client.created_at) * rng.uniform(0.05, 0.95)
            pinned = rng.random() < 0.15
            add_note(client, rng.choice(DEMO_NOTES), rng.choice(staff), pinned, at=moment)
            events += 1
        if rng.random() < 0.06:
            severity, text = rng.choice(DEMO_ALERTS)
            add_alert(client, severity, text, rng.choice(staff), at=client.created_at)
            events += 1
        if rng.random() < 0.04:
            policy = rng.choice(["approval", "block"])
            reason = "Two no-shows in a row." if policy == "block" else "Books long treatments."
            set_booking_policy(client, policy, reason, rng.choice(deciders), at=now)
            events += 1
        if rng.random() < 0.03:
            lock_client(client, "Identity and details checked.", rng.choice(deciders), at=now)
            events += 1
    for client in rng.sample(clients, min(3, len(clients))):
        if not client.is_locked:
            delete_client(client, owner, at=now)
            events += 1
    return events
