"""Clients who may be the same person as the one being typed: the same email (any case)
or the same phone number. A warning, never a block: families share emails and phones."""

from flask import current_app
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Client
from app.text import NotAPhoneNumber, phone_to_e164

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
        .where(or_(*matches), Client.erased_at.is_(None))
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
