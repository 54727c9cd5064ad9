"""Deterministic, realistic rows for the benchmark databases.

Faker and phonenumbers are far too slow to call per row at a million rows, so names,
addresses and phone numbers are drawn from pools built once per run. The derived columns
come from the app's own derive_sort_name() and derive_search_text(), with fold() memoised
and phone search forms taken from the pool (see fast_derivations, Population.phone_forms).
"""

import functools
import itertools
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import phonenumbers
from faker import Faker

import app.models.client as client_model
from app.models.client import derive_search_text, derive_sort_name
from app.models.text import fold, phone_search_forms

# (Faker locale, phone region, language, country, weight): a London business with a mixed
# clientele; the accented locales make folding matter.
ORIGINS = [
    ("en_GB", "GB", "en", "GB", 40),
    ("en_US", "US", "en", "US", 5),
    ("en_IE", "IE", "en", "IE", 4),
    ("fr_FR", "FR", "fr", "FR", 8),
    ("de_DE", "DE", "de", "DE", 7),
    ("es_ES", "ES", "es", "ES", 7),
    ("es_MX", "MX", "es", "MX", 2),
    ("pt_BR", "BR", "pt", "BR", 4),
    ("pt_PT", "PT", "pt", "PT", 3),
    ("it_IT", "IT", "it", "IT", 5),
    ("pl_PL", "PL", "pl", "PL", 5),
    ("nl_NL", "NL", "nl", "NL", 3),
    ("sv_SE", "SE", "sv", "SE", 2),
    ("tr_TR", "TR", "tr", "TR", 3),
    ("cs_CZ", "CZ", "cs", "CZ", 2),
]

CLIENT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "whatsapp",
    "birth_date",
    "preferred_language",
    "address",
    "city",
    "state",
    "postal_code",
    "country",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "version",
    "sort_name",
    "search_text",
)
ACTIVITY_COLUMNS = (
    "id",
    "client_id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "verb",
    "subject_type",
    "subject_id",
    "changes",
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HISTORY = timedelta(days=6 * 365)  # how far back clients and their events go
SHIFT = 22  # bits for the client index inside an event sort key (4M clients)
MASK = (1 << SHIFT) - 1
NAME_SAMPLES = 3000  # draws per locale: keeps Faker's name frequencies
PLACE_SAMPLES = 400
BIRTH_BASE = date(1945, 1, 1)
STATES = {"US", "MX", "BR"}  # regions whose addresses name a state


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@contextmanager
def fast_derivations(phone_forms=None):
    """Memoise fold() and phone_search_forms() as the client model sees them.

    derive_search_text() formats every phone with phonenumbers (about 20 us a number),
    too slow for a million rows; `phone_forms` (see Population.phone_forms) answers from
    forms the app's own function computed for a pool of numbers.
    """
    saved = {name: getattr(client_model, name, None) for name in ("fold", "phone_search_forms")}
    if saved["fold"] is not None:
        client_model.fold = functools.lru_cache(maxsize=None)(saved["fold"])
    if saved["phone_search_forms"] is not None:
        cached = functools.lru_cache(maxsize=None)(saved["phone_search_forms"])
        # A fresh list each call: a caller that appends must not change the cache.
        client_model.phone_search_forms = phone_forms or (lambda value: list(cached(value)))
    try:
        yield
    finally:
        for name, original in saved.items():
            if original is not None:
                setattr(client_model, name, original)


@dataclass
class Origin:
    region: str
    language: str
    country: str
    first_names: list
    last_names: list
    streets: list
    cities: list
    postcodes: list
    states: list
    phones: list = field(default_factory=list)


def _valid_phone(rng: random.Random, region: str, kind) -> str | None:
    if region == "GB" and kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        national = "20" + "".join(rng.choice("0123456789") for _ in range(8))  # London
        candidates = [national]
    else:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            return None
        base = str(example.national_number)
        # Keep the first digits of the example (the operator or area) and draw the rest, so
        # prefixes vary as much as real numbers' do while most draws stay valid.
        keep = max(2, len(base) - 8)
        candidates = [
            base[:keep] + "".join(rng.choice("0123456789") for _ in range(len(base) - keep))
            for _ in range(40)
        ]
    code = phonenumbers.country_code_for_region(region)
    for national in candidates:
        number = phonenumbers.parse(f"+{code}{national}", None)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


class Population:
    """Pools of names, places, phones and timeline changes, drawn once per seed."""

    def __init__(self, seed: int, phone_pool: int):
        self.rng = random.Random(seed)
        Faker.seed(seed)
        total_weight = sum(origin[4] for origin in ORIGINS)
        self.origins: list[Origin] = []
        self.weighted: list[Origin] = []
        for locale, region, language, country, weight in ORIGINS:
            fake = Faker(locale)
            origin = Origin(
                region=region,
                language=language,
                country=country,
                first_names=[fake.first_name() for _ in range(NAME_SAMPLES)],
                last_names=[fake.last_name() for _ in range(NAME_SAMPLES)],
                streets=[
                    fake.street_address().replace("\n", ", ")[:200] for _ in range(PLACE_SAMPLES)
                ],
                cities=[fake.city()[:100] for _ in range(PLACE_SAMPLES)],
                postcodes=[fake.postcode()[:20] for _ in range(PLACE_SAMPLES)],
                states=[fake.state()[:100] for _ in range(50)] if region in STATES else [],
            )
            share = max(200, phone_pool * weight // total_weight)
            while len(origin.phones) < share:
                kind = (
                    phonenumbers.PhoneNumberType.FIXED_LINE
                    if self.rng.random() < 0.25
                    else phonenumbers.PhoneNumberType.MOBILE
                )
                phone = _valid_phone(self.rng, region, kind) or _valid_phone(
                    self.rng, region, phonenumbers.PhoneNumberType.MOBILE
                )
                origin.phones.append(phone)
            self.origins.append(origin)
            self.weighted += [origin] * weight
        self._ascii: dict[str, str] = {}
        self._templates = self._phone_templates()
        self.changes = self._change_pool(5000)

    def _phone_templates(self) -> dict[str, list[str]]:
        """Search forms of each pooled number, as templates for its last three digits.

        A pool of a few tens of thousands of numbers would give every number to dozens of
        clients; varying the last three digits makes them (nearly) unique. The forms the
        app derives (international, national, significant digits) all end with those
        digits, which formatting never depends on; that is checked here for every pooled
        number against the app's own function, and a number that fails is used as it is.
        """
        templates = {}
        for origin in self.origins:
            for number in origin.phones:
                forms = phone_search_forms(number)
                variant = number[:-3] + f"{self.rng.randrange(1000):03d}"
                expected = [form[:-3] + variant[-3:] for form in forms]
                if all(form.endswith(number[-3:]) for form in forms) and (
                    phone_search_forms(variant) == expected
                ):
                    templates[number[:-3]] = forms
        return templates

    def phone(self, origin: "Origin") -> str:
        number = origin.phones[int(self.rng.random() * len(origin.phones))]
        if number[:-3] in self._templates:
            return number[:-3] + f"{int(self.rng.random() * 1000):03d}"
        return number

    def phone_forms(self, e164: str | None) -> list[str]:
        """phone_search_forms() for the numbers phone() hands out."""
        if not e164:
            return []
        template = self._templates.get(e164[:-3])
        if template is None:
            return phone_search_forms(e164)
        return [form[:-3] + e164[-3:] for form in template]

    def _ascii_name(self, name: str) -> str:
        found = self._ascii.get(name)
        if found is None:
            found = "".join(ch for ch in fold(name) if ch.isascii() and ch.isalnum())
            self._ascii[name] = found
        return found

    def email(self, first: str, last: str | None) -> str:
        rnd = self.rng.random
        a, b = self._ascii_name(first) or "client", self._ascii_name(last or "")
        style = int(rnd() * 6)
        if not b or style == 0:
            local = f"{a}{int(rnd() * 99) + 1}"
        elif style == 1:
            local = f"{a[0]}.{b}"
        elif style == 2:
            local = f"{a}{b}"
        elif style == 3:
            local = f"{a}_{b}{int(rnd() * 90) + 10}"
        else:
            local = f"{a}.{b}"
        domain = ("example.com", "example.org", "example.net", "mail.example.com")[int(rnd() * 4)]
        return f"{local}@{domain}"

    def _change_pool(self, size: int) -> list[str]:
        """JSON of client.updated events as activity.record() stores them."""
        rng = self.rng
        pool = []
        for _ in range(size):
            origin = rng.choice(self.origins)
            kind = rng.choices(
                ["phone", "email", "move", "language", "whatsapp", "birth_date"],
                weights=[30, 20, 20, 10, 10, 10],
            )[0]
            if kind in ("phone", "whatsapp"):
                old = (
                    None if kind == "whatsapp" and rng.random() < 0.5 else rng.choice(origin.phones)
                )
                changes = {kind: [old, rng.choice(origin.phones)]}
            elif kind == "email":
                first, last = rng.choice(origin.first_names), rng.choice(origin.last_names)
                changes = {"email": [self.email(first, last), self.email(first, last)]}
            elif kind == "move":
                changes = {
                    "address": [rng.choice(origin.streets), rng.choice(origin.streets)],
                    "city": [rng.choice(origin.cities), rng.choice(origin.cities)],
                    "postal_code": [rng.choice(origin.postcodes), rng.choice(origin.postcodes)],
                }
            elif kind == "language":
                changes = {"preferred_language": [None, origin.language]}
            else:
                days = rng.randint(0, 20000)
                changes = {
                    "birth_date": [
                        (BIRTH_BASE + timedelta(days=days)).isoformat(),
                        (BIRTH_BASE + timedelta(days=days + rng.randint(1, 400))).isoformat(),
                    ]
                }
            pool.append(json.dumps(changes))
        return pool

    def client_rows(self, plan: "ClientPlan") -> Iterator[tuple]:
        """Rows in CLIENT_COLUMNS order; ids are 1..n in creation order."""
        rnd = self.rng.random
        weighted, count = self.weighted, len(self.weighted)
        with fast_derivations(self.phone_forms):
            for index in range(plan.count):
                origin = weighted[int(rnd() * count)]
                first = origin.first_names[int(rnd() * NAME_SAMPLES)]
                last = origin.last_names[int(rnd() * NAME_SAMPLES)] if rnd() < 0.985 else None
                email = self.email(first, last) if rnd() < 0.9 else None
                phone = self.phone(origin) if rnd() < 0.92 else None
                whatsapp = self.phone(origin) if rnd() < 0.2 else None
                birth = BIRTH_BASE + timedelta(days=int(rnd() * 21000)) if rnd() < 0.75 else None
                language = origin.language if rnd() < 0.7 else None
                address = city = state = postcode = country = None
                if rnd() < 0.8:
                    pick = int(rnd() * PLACE_SAMPLES)
                    address, city = origin.streets[pick], origin.cities[pick]
                    postcode, country = origin.postcodes[pick], origin.country
                    if origin.states:
                        state = origin.states[pick % len(origin.states)]
                yield (
                    index + 1,
                    first,
                    last,
                    email,
                    phone,
                    whatsapp,
                    birth,
                    language,
                    address,
                    city,
                    state,
                    postcode,
                    country,
                    moment(plan.created[index]),
                    moment(plan.updated[index]),
                    plan.created_by[index],
                    plan.updated_by[index],
                    plan.version[index],
                    derive_sort_name(first, last),
                    derive_search_text(first, last, email, phone, whatsapp),
                )


@dataclass
class ClientPlan:
    """When each client was created and last updated, by whom, and its event keys."""

    count: int
    created: list
    updated: list
    created_by: list
    updated_by: list
    version: list
    events: list = field(default_factory=list)  # sorted (micros << SHIFT | index) keys


def _actor(key: int, staff_ids: list[int]) -> int:
    # A deterministic "random" author per event, so clients and events agree on it.
    return staff_ids[((key * 2654435761) >> 16) % len(staff_ids)]


def plan_clients_only(count: int, staff_ids: list[int], seed: int, now: datetime) -> ClientPlan:
    rng = random.Random(seed)
    now_us, span = micros(now), micros(now) - micros(now - HISTORY)
    created = sorted(now_us - 1 - int(rng.random() * span) for _ in range(count))
    authors = [staff_ids[int(rng.random() * len(staff_ids))] for _ in range(count)]
    return ClientPlan(count, created, list(created), authors, list(authors), [1] * count)


def plan_with_timeline(
    clients: int, activities: int, heavy: int, staff_ids: list[int], seed: int, now: datetime
) -> ClientPlan:
    """`clients` clients sharing `activities` events, plus one client with `heavy` events.

    Events get ids in time order across all clients, as a live system writes them, so a
    client's timeline is scattered over the table rather than stored in one run.
    """
    rng = random.Random(seed)
    rnd = rng.random
    now_us, span = micros(now), micros(now) - micros(now - HISTORY)
    created = sorted(now_us - 1 - int(rnd() * span) for _ in range(clients))
    if heavy:
        created.append(now_us - span)  # the heavy client: the oldest, the last id
    count = len(created)
    keys = [(created[index] << SHIFT) | index for index in range(count)]
    # Busy clients are busier and older clients have had more time: a long tail.
    weights = [rng.expovariate(1.0) * ((now_us - at) / span + 0.2) for at in created[:clients]]
    cumulative = list(itertools.accumulate(weights))
    picks = rng.choices(range(clients), cum_weights=cumulative, k=max(0, activities - clients))
    picks += [clients] * max(0, heavy - 1)
    for index in picks:
        start = created[index]
        keys.append(((start + 1 + int(rnd() * (now_us - start - 1))) << SHIFT) | index)
    del picks
    keys.sort()
    updated, updated_by, version = list(created), [0] * count, [1] * count
    created_by = [0] * count
    for key in keys:
        index, at = key & MASK, key >> SHIFT
        if at == created[index]:
            created_by[index] = updated_by[index] = _actor(key, staff_ids)
        else:
            updated[index], updated_by[index] = at, _actor(key, staff_ids)
            version[index] += 1
    return ClientPlan(count, created, updated, created_by, updated_by, version, keys)


def activity_rows(plan: ClientPlan, changes: list[str], staff_ids: list[int]) -> Iterator[tuple]:
    """Rows in ACTIVITY_COLUMNS order, ids in time order."""
    created, pool = plan.created, len(changes)
    for activity_id, key in enumerate(plan.events, 1):
        index, at = key & MASK, key >> SHIFT
        if at == created[index]:
            verb, change = "client.created", None
        else:
            verb, change = "client.updated", changes[(key >> 7) % pool]
        yield (
            activity_id,
            index + 1,
            moment(at),
            "staff",
            _actor(key, staff_ids),
            verb,
            None,
            None,
            change,
        )
