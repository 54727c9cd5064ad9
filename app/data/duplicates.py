"""Clients who may be the same person.

While a profile is typed: the same email (any case) or the same phone number, as a
warning, never a block (families share emails and phones).

Over all clients (the duplicate finder, a background job): candidate pairs come from
blocking keys only (never all pairs): the normalised email, the phone, the name with
nicknames and order folded, the last name with the first initial (and the other way
round, for a typo), the birth date. Each candidate pair is then scored, and kept with
the reasons a person can check ("same phone; name 92% alike; same birth date").
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from flask import current_app
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import extract
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.core.database import write_transaction
from app.core.extensions import db
from app.models import Client, NotDuplicate
from app.models.text import NotAPhoneNumber, fold, phone_to_e164

WARN_AT_MOST = 3


def phone_e164(text: str) -> str | None:
    try:
        return phone_to_e164(text or "", current_app.config["DEFAULT_PHONE_REGION"])
    except NotAPhoneNumber:
        return None


def possible_duplicates(email: str, phone: str, except_id: int | None = None) -> list:
    """Up to WARN_AT_MOST clients (not erased) sharing the email or the phone, with what
    they share; one query on the email and phone indexes."""
    email = (email or "").strip()
    email = email.lower() if "@" in email and len(email) <= 254 else ""
    e164 = phone_e164(phone)
    matches = []
    if email:
        matches.append(func.lower(Client.email) == email)
    if e164:
        matches.append(Client.phone == e164)
    if not matches:
        return []
    statement = (
        select(Client.id, Client.first_name, Client.last_name, Client.email, Client.phone)
        .where(or_(*matches), Client.erased_at.is_(None), Client.merged_into_id.is_(None))
        .order_by(Client.id)
        .limit(WARN_AT_MOST)
    )
    if except_id is not None:
        statement = statement.where(Client.id != except_id)
    found = []
    for row in db.session.execute(statement):
        shared = []
        if email and (row.email or "").lower() == email:
            shared.append("email")
        if e164 and row.phone == e164:
            shared.append("phone")
        found.append((row, " and ".join(shared)))
    return found


# --- the duplicate finder ---------------------------------------------------------------

# Common short forms -> the full first name they stand for (folded).
NICKNAMES = {
    full: nicknames.split()
    for full, nicknames in {
        "robert": "bob bobby rob robbie bert",
        "william": "bill billy will willy liam",
        "catherine": "kate katie kathy cathy cat katherine kathryn kate",
        "elizabeth": "liz lizzy lizzie beth betty eliza libby",
        "james": "jim jimmy jamie",
        "michael": "mike mikey mick",
        "richard": "rick ricky dick rich",
        "thomas": "tom tommy",
        "anthony": "tony",
        "joseph": "joe joey",
        "alexander": "alex sasha",
        "alexandra": "alex sasha sandra",
        "christopher": "chris kit",
        "christine": "chris chrissy tina",
        "david": "dave davey",
        "daniel": "dan danny",
        "stephen": "steve stevie steven",
        "matthew": "matt matty",
        "nicholas": "nick nicky",
        "benjamin": "ben benny",
        "andrew": "andy drew",
        "jennifer": "jen jenny jenn",
        "margaret": "maggie meg peggy greta",
        "susan": "sue susie suzy",
        "patricia": "pat patty trish",
        "patrick": "pat paddy",
        "edward": "ed eddie ted teddy",
        "charles": "charlie chuck chas",
        "gregory": "greg",
        "john": "jack johnny jon",
        "nathan": "nate",
        "victoria": "vicky tori",
        "rebecca": "becky becca",
        "abigail": "abby",
        "amanda": "mandy",
        "deborah": "debbie deb",
        "jessica": "jess jessie",
        "kimberly": "kim",
        "lawrence": "larry",
        "gerald": "jerry",
        "henry": "harry hank",
        "samuel": "sam sammy",
        "samantha": "sam sammy",
        "jacqueline": "jackie",
        "josephine": "jo josie",
        "francesca": "fran frankie",
        "francis": "frank frankie",
        "frederick": "fred freddie",
        "timothy": "tim timmy",
        "zachary": "zach zack",
        "isabella": "bella izzy isabel",
        "natalie": "nat",
        "olivia": "liv",
        "penelope": "penny",
        "valentina": "vale",
    }.items()
}
_CANONICAL = {nick: full for full, nicks in NICKNAMES.items() for nick in nicks}
for _full in NICKNAMES:
    _CANONICAL.setdefault(_full, _full)

MAX_BLOCK = 60  # a key shared by more clients than this (a shop's own email) says nothing
MAX_WEAK_BLOCK = 2000  # the most common last name with one initial, at 100,000 clients
MAX_PAIRS = 5000  # kept from one scan, best first
KEEP_AT = 60  # the lowest score shown
NAME_ALIKE_AT = 80  # a name this alike counts on its own


def normalised_email(email: str | None) -> str | None:
    """ "Ann.Lee+spa@Example.com " -> "ann.lee@example.com": case, spaces and a +tag."""
    email = (email or "").strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or not domain:
        return None
    return local.split("+", 1)[0] + "@" + domain


class _NameTokens:
    """Folded name tokens, first names in their full form (Bob -> robert), each spelling
    folded once: a client list repeats its names a lot."""

    def __init__(self):
        self._first: dict = {}
        self._last: dict = {}

    def first(self, text: str | None) -> list[str]:
        found = self._first.get(text)
        if found is None:
            tokens = fold(text).replace("-", " ").split()
            found = self._first[text] = [_CANONICAL.get(token, token) for token in tokens]
        return found

    def last(self, text: str | None) -> list[str]:
        found = self._last.get(text)
        if found is None:
            found = self._last[text] = fold(text).replace("-", " ").split()
        return found


@dataclass(slots=True)
class _Person:
    id: int
    name: str  # canonical tokens, sorted: order and nicknames do not matter
    email: str | None
    phone: str | None
    birth_date: object


def _strong_keys(person: _Person) -> list[str]:
    """Keys that make every pair sharing them a candidate."""
    keys = []
    if person.email:
        keys.append("e" + person.email)
    if person.phone:
        keys.append("p" + person.phone)
    if person.name:
        keys.append("n" + person.name)
    return keys


def _weak_keys(person: _Person, first: list[str], last: list[str]) -> list[str]:
    """Keys whose pairs are candidates only when their names are alike: a typo in the
    first or the last name, or the same birth date."""
    keys = []
    if first and last:
        keys.append(f"l{last[-1]}|{first[0][0]}")
        keys.append(f"f{first[0]}|{last[-1][0]}")
    if person.birth_date:
        keys.append(f"b{person.birth_date}")
    return keys


def score_pair(a: _Person, b: _Person) -> tuple[int, list[str]]:
    """How likely two profiles are one person (0-100), and why, in words."""
    reasons = []
    # Both names are sorted tokens already, so this is rapidfuzz's token_sort_ratio.
    name = round(ratio(a.name, b.name)) if a.name and b.name else 0
    score = 0.6 * name
    for label, mine, theirs in (("email", a.email, b.email), ("phone", a.phone, b.phone)):
        if mine is not None and mine == theirs:
            score += 25
            reasons.append(f"same {label}")
        elif mine is not None and theirs is not None:
            score -= 10  # different people more often than one person with two
    if name >= 50:
        reasons.append("same name" if name == 100 else f"name {name}% alike")
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            score += 15
            reasons.append("same birth date")
        else:
            score -= 20
            reasons.append("different birth dates")
    shares_contact = any(reason in ("same email", "same phone") for reason in reasons)
    if not (shares_contact or name >= NAME_ALIKE_AT):
        return 0, reasons
    return max(0, min(100, round(score))), reasons


# What the scan reads of each client, in this order.
SCANNED_COLUMNS = (
    Client.id,
    Client.first_name,
    Client.last_name,
    Client.email,
    Client.phone,
    Client.birth_date,
)


def find_duplicate_pairs(progress=None) -> tuple[list[list], int]:
    """Every likely pair among the clients on the list (not in the trash, not merged,
    not erased), best first, without the pairs marked "Not a duplicate": [[low id,
    high id, score, reasons], ...] and how many clients were scanned."""
    rows = db.session.execute(select(*SCANNED_COLUMNS).where(Client.deleted_at.is_(None)))
    people: dict[int, _Person] = {}
    strong: dict[str, list[int]] = defaultdict(list)
    weak: dict[str, list[int]] = defaultdict(list)
    names = _NameTokens()
    for client_id, first_name, last_name, email, phone, birth_date in rows:
        first, last = names.first(first_name), names.last(last_name)
        person = _Person(
            client_id, " ".join(sorted(first + last)), normalised_email(email), phone, birth_date
        )
        people[client_id] = person
        for key in _strong_keys(person):
            strong[key].append(client_id)
        for key in _weak_keys(person, first, last):
            weak[key].append(client_id)
    if progress:
        progress(1, 3)
    candidates = set()
    for ids in strong.values():
        if 1 < len(ids) <= MAX_BLOCK:
            ids.sort()
            candidates.update(combinations(ids, 2))
    for ids in weak.values():
        if 1 < len(ids) <= MAX_WEAK_BLOCK:
            ids.sort()
            names = [people[i].name for i in ids]
            for index in range(len(ids) - 1):
                # One call compares a name with the rest of the block, in C.
                for _name, _score, offset in extract(
                    names[index],
                    names[index + 1 :],
                    scorer=ratio,
                    score_cutoff=NAME_ALIKE_AT,
                    limit=None,
                ):
                    candidates.add((ids[index], ids[index + 1 + offset]))
    dismissed = set(db.session.execute(select(NotDuplicate.low_id, NotDuplicate.high_id)).all())
    pairs = []
    for low, high in candidates - dismissed:
        score, reasons = score_pair(people[low], people[high])
        if score >= KEEP_AT:
            pairs.append([low, high, score, reasons])
    if progress:
        progress(2, 3)
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return pairs[:MAX_PAIRS], len(people)


def duplicate_scan_job(params: dict, progress) -> dict:
    """The finder's scan; its result holds ids, scores and reasons, never a name."""
    started = time.monotonic()
    pairs, scanned = find_duplicate_pairs(progress)
    progress(3, 3)
    return {
        "pairs": pairs,
        "clients": scanned,
        "seconds": round(time.monotonic() - started, 2),
        "capped": len(pairs) >= MAX_PAIRS,
    }


def mark_not_duplicate(first_id: int, second_id: int, actor) -> bool:
    """Remember that two profiles are different people; False if already remembered
    (also when a colleague marked the same pair at the same moment)."""
    low, high = sorted((first_id, second_id))
    try:
        with write_transaction():
            if db.session.get(NotDuplicate, (low, high)) is not None:
                return False
            db.session.add(NotDuplicate(low_id=low, high_id=high, marked_by_id=actor.id))
    except IntegrityError:
        return False
    return True
