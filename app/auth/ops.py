"""Writes for staff accounts and sign-in."""

import hashlib
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.database import write_transaction
from app.extensions import db
from app.models import ROLES, SignInThrottle, StaffMember, utcnow
from app.sessions import end_sessions_of, purge_expired_sessions


class StaffError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def blocked_until(email: str) -> datetime | None:
    """When the email's sign-in block ends, or None when it may try."""
    row = db.session.get(SignInThrottle, _throttle_key(email))
    if row and row.blocked_until and row.blocked_until > utcnow():
        return row.blocked_until
    return None


def authenticate(email: str, password: str) -> StaffMember | None:
    """The active staff member these credentials belong to, recording the attempt."""
    staff = db.session.scalar(
        select(StaffMember).where(StaffMember.email == normalise_email(email))
    )
    valid = verify_password(staff.password_hash if staff else None, password)
    if not (valid and staff.active):
        _record_failure(email)
        return None
    with write_transaction():
        throttle = db.session.get(SignInThrottle, _throttle_key(email))
        if throttle is not None:
            db.session.delete(throttle)
        if needs_rehash(staff.password_hash):
            staff.password_hash = hash_password(password)
        staff.last_sign_in_at = utcnow()
        purge_expired_sessions(current_app)
    return staff


def _record_failure(email: str) -> None:
    config = current_app.config
    now = utcnow()
    with write_transaction():
        row = db.session.get(SignInThrottle, _throttle_key(email))
        if row is None:
            row = SignInThrottle(email_digest=_throttle_key(email), failures=0)
            db.session.add(row)
        if row.blocked_until and row.blocked_until <= now:
            row.blocked_until = None  # a block that ran out starts a fresh count
        row.failures = (row.failures or 0) + 1
        row.updated_at = now
        if row.failures >= config["SIGN_IN_MAX_FAILURES"]:
            row.blocked_until = now + config["SIGN_IN_BLOCK"]
            row.failures = 0


def add_staff(email: str, name: str, role: str, password: str) -> StaffMember:
    email = normalise_email(email)
    if role not in ROLES:
        raise StaffError(f"Role must be one of: {', '.join(ROLES)}.")
    if not name.strip():
        raise StaffError("Name is required.")
    problem = password_problem(password)
    if problem:
        raise StaffError(problem)
    if db.session.scalar(select(StaffMember.id).where(StaffMember.email == email)):
        raise StaffError(f"A staff member with email {email} already exists.")
    with write_transaction():
        staff = StaffMember(
            email=email, name=name.strip(), role=role, password_hash=hash_password(password)
        )
        db.session.add(staff)
    return staff


def deactivate_staff(email: str) -> StaffMember:
    staff = db.session.scalar(
        select(StaffMember).where(StaffMember.email == normalise_email(email))
    )
    if staff is None:
        raise StaffError(f"No staff member with email {email}.")
    with write_transaction():
        staff.active = False
        end_sessions_of(staff.id)
    return staff
