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

from flask import current_app
from rapidfuzz.fuzz import token_sort_ratio
from sqlalchemy import func, or_, select, tuple_

from app.database import write_transaction
from app.extensions import db
from app.jobs import job_kind
from app.models import Client, NotDuplicate
from app.text import NotAPhoneNumber, fold, phone_to_e164

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


def _name_tokens(first_name: str | None, last_name: str | None) -> tuple[list[str], list[str]]:
    first = [_CANONICAL.get(token, token) for token in fold(first_name).replace("-", " ").split()]
    last = fold(last_name).replace("-", " ").split()
    return first, last


@dataclass(slots=True)
class _Person:
    id: int
    name: str  # canonical tokens, sorted: order and nicknames do not matter
    email: str | None
    phone: str | None
    birth_date: object


def _blocking_keys(person: _Person, first: list[str], last: list[str]) -> list[str]:
    keys = []
    if person.email:
        keys.append("e" + person.email)
    if person.phone:
        keys.append("p" + person.phone)
    if person.name:
        keys.append("n" + person.name)
    if first and last:
        keys.append(f"l{last[-1]}|{first[0][0]}")  # a typo in the first name
        keys.append(f"f{first[0]}|{last[-1][0]}")  # a typo in the last name
    if person.birth_date:
        keys.append(f"b{person.birth_date}")
    return keys


def score_pair(a: _Person, b: _Person) -> tuple[int, list[str]]:
    """How likely two profiles are one person (0-100), and why, in words."""
    reasons = []
    name = round(token_sort_ratio(a.name, b.name)) if a.name and b.name else 0
    score = 0.6 * name
    same_email = a.email is not None and a.email == b.email
    same_phone = a.phone is not None and a.phone == b.phone
    if same_email:
        score += 25
        reasons.append("same email")
    if same_phone:
        score += 25
        reasons.append("same phone")
    if name >= 50:
        reasons.append("same name" if name == 100 else f"name {name}% alike")
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            score += 15
            reasons.append("same birth date")
        else:
            score -= 20
            reasons.append("different birth dates")
    if not (same_email or same_phone or name >= NAME_ALIKE_AT):
        return 0, reasons
    return max(0, min(100, round(score))), reasons


def find_duplicate_pairs(progress=None) -> tuple[list[list], int]:
    """Every likely pair among the clients on the list (not in the trash, not merged,
    not erased), best first, without the pairs marked "Not a duplicate": [[low id,
    high id, score, reasons], ...] and how many clients were scanned."""
    rows = db.session.execute(
        select(
            Client.id,
            Client.first_name,
            Client.last_name,
            Client.email,
            Client.phone,
            Client.birth_date,
        ).where(Client.deleted_at.is_(None))
    ).all()
    people: dict[int, _Person] = {}
    blocks: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        first, last = _name_tokens(row.first_name, row.last_name)
        person = _Person(
            row.id,
            " ".join(sorted(first + last)),
            normalised_email(row.email),
            row.phone,
            row.birth_date,
        )
        people[row.id] = person
        for key in _blocking_keys(person, first, last):
            blocks[key].append(row.id)
    if progress:
        progress(1, 3)
    candidates = set()
    for ids in blocks.values():
        if 1 < len(ids) <= MAX_BLOCK:
            ids.sort()
            for index, low in enumerate(ids):
                for high in ids[index + 1 :]:
                    candidates.add((low, high))
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


@job_kind("duplicate_scan")
def _duplicate_scan_job(params: dict, progress) -> dict:
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
    """Remember that two profiles are different people; False if already remembered."""
    low, high = sorted((first_id, second_id))
    with write_transaction():
        exists = db.session.scalar(
            select(func.count())
            .select_from(NotDuplicate)
            .where(tuple_(NotDuplicate.low_id, NotDuplicate.high_id) == (low, high))
        )
        if exists:
            return False
        db.session.add(NotDuplicate(low_id=low, high_id=high, marked_by_id=actor.id))
    return True
