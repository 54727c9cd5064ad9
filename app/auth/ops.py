"""Writes for staff accounts and sign-in."""

import hashlib
from datetime import datetime

from flask import current_app
from sqlalchemy import case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.sessions import end_sessions_of, purge_expired_sessions
from app.models import ROLES, SignInThrottle, StaffMember, utcnow


class StaffError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _throttle_key(email: str, realm: str = "") -> str:
    """The throttle row's key: staff sign-ins use the email alone; another realm (the
    client page's "client:") prefixes it, so the realms' counts never mix."""
    return hashlib.sha256((realm + normalise_email(email)).encode()).hexdigest()


def blocked_until(email: str, realm: str = "") -> datetime | None:
    """When the email's sign-in block ends, or None when it may try."""
    row = db.session.get(SignInThrottle, _throttle_key(email, realm))
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


def clear_failures(email: str, realm: str = "") -> None:
    """Forget the failed sign-ins of an email after a good one. Caller's transaction."""
    throttle = db.session.get(SignInThrottle, _throttle_key(email, realm))
    if throttle is not None:
        db.session.delete(throttle)


def record_failure(email: str, realm: str = "") -> None:
    """A failed sign-in of this realm, counted as the staff sign-in counts them."""
    _record_failure(email, realm)


def _record_failure(email: str, realm: str = "") -> None:
    """Count a failed sign-in in one atomic upsert, so concurrent failures on any worker
    all count; failures older than the block window, or before a block that ran out,
    start a fresh count."""
    config = current_app.config
    now = utcnow()
    table = SignInThrottle.__table__
    fresh_start = or_(
        table.c.blocked_until <= now, table.c.updated_at < now - config["SIGN_IN_BLOCK"]
    )
    upsert = _dialect_insert()(table).values(
        email_digest=_throttle_key(email, realm), failures=1, blocked_until=None, updated_at=now
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.email_digest],
        set_={
            "failures": case((fresh_start, 1), else_=table.c.failures + 1),
            "blocked_until": case((fresh_start, None), else_=table.c.blocked_until),
            "updated_at": now,
        },
    ).returning(table.c.failures)
    with write_transaction():
        failures = db.session.execute(upsert).scalar_one()
        if failures >= config["SIGN_IN_MAX_FAILURES"]:
            db.session.execute(
                update(table)
                .where(table.c.email_digest == _throttle_key(email, realm))
                .values(blocked_until=now + config["SIGN_IN_BLOCK"], failures=0)
            )


def _dialect_insert():
    return postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert


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


def sign_out_everywhere(staff_id: int) -> None:
    """End every session of this staff member, in every browser and on every device
    (a lost phone, a shared computer left signed in)."""
    with write_transaction():
        end_sessions_of(staff_id)


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
