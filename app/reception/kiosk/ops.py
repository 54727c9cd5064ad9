"""Writes for the kiosk: its session (start, leave), the guessing throttle, who was
identified, check-ins, the calls to reception ("Please see reception"), and the staff
PINs that take the tablet out of kiosk mode.

The kiosk's session is a row of its own (kiosk_sessions), keyed by the SHA-256 of its
cookie's token as staff sessions are. Its `data` holds, as JSON, the client identified
and when (the state expires after KIOSK_IDLE_SECONDS) and the throttle's memory, which
outlives the kiosk's resets.
"""

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.auth.api import hash_password, verify_password
from app.bookings.api import check_in as check_in_at_reception
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.sessions import SignedInStaff
from app.core.timeline import record
from app.models import (
    KIOSK_IDLE_SECONDS,
    Client,
    KioskHelpRequest,
    KioskSession,
    StaffMember,
    utcnow,
)

# Five wrong guesses block the kiosk for a minute; each block in a row lasts twice the
# one before (up to an hour). Failures older than the window start a fresh count.
MAX_FAILURES = 5
FIRST_BLOCK = timedelta(minutes=1)
LONGEST_BLOCK = timedelta(hours=1)
FAILURE_WINDOW = timedelta(minutes=15)

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
PIN_PROBLEM = "Use 4 to 8 digits (0–9)."

HELP_REASONS = {
    "no_match": "Not recognised",
    "several": "Several clients match",
    "no_session": "No session today",
    "alert": "Has an alert to see",
    "blocked": "Kiosk paused after repeated wrong tries",
    "check_in_failed": "Could not check in",
}


class KioskRefused(ValueError):
    """The kiosk cannot start; the message says why (for staff)."""


def _now() -> datetime:
    return utcnow()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _data(kiosk: KioskSession) -> dict:
    try:
        data = json.loads(kiosk.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _moment(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def idle_limit() -> timedelta:
    return timedelta(seconds=current_app.config.get("KIOSK_IDLE_SECONDS", KIOSK_IDLE_SECONDS))


# --- the kiosk's session ----------------------------------------------------------------


def start_kiosk(actor) -> str:
    """A new kiosk session started by `actor`; returns the cookie's token (only its
    digest is stored). The caller ends the staff session in that browser."""
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("starting the kiosk is not allowed for this staff member")
    token = secrets.token_urlsafe(32)
    now = _now()
    with write_transaction():
        holders = select(StaffMember.id).where(
            StaffMember.active.is_(True), StaffMember.kiosk_pin_hash.is_not(None)
        )
        if db.session.scalar(holders.limit(1)) is None:
            raise KioskRefused(
                "Set a kiosk PIN first: leaving the kiosk needs a staff member's PIN."
            )
        db.session.add(
            KioskSession(
                id=digest(token),
                started_by_id=actor.id,
                data="{}",
                created_at=now,
                last_seen_at=now,
            )
        )
    return token


def find_kiosk(token: str | None) -> KioskSession | None:
    """The live kiosk session this cookie's token names, or None (unknown, or past the
    kiosk's absolute lifetime)."""
    if not token or len(token) > 100:
        return None
    kiosk = db.session.get(KioskSession, digest(token))
    if kiosk is None:
        return None
    lifetime = current_app.config.get("KIOSK_SESSION_ABSOLUTE_TIMEOUT", timedelta(hours=16))
    if _now() - kiosk.created_at > lifetime:
        end_kiosk(kiosk.id)
        return None
    return kiosk


def end_kiosk(kiosk_id: str) -> None:
    with write_transaction():
        db.session.execute(delete(KioskSession).where(KioskSession.id == kiosk_id))


def _locked(kiosk_id: str) -> KioskSession:
    kiosk = db.session.get(KioskSession, kiosk_id, with_for_update=True)
    if kiosk is None:
        raise LookupError(kiosk_id)
    return kiosk


def _save(kiosk: KioskSession, data: dict) -> None:
    kiosk.data = json.dumps(data)
    kiosk.last_seen_at = _now()


# --- the throttle -----------------------------------------------------------------------


def blocked_until(kiosk: KioskSession) -> datetime | None:
    if kiosk.blocked_until and kiosk.blocked_until > _now():
        return kiosk.blocked_until
    return None


def _count_failure(kiosk: KioskSession, data: dict, now: datetime) -> datetime | None:
    """Count a wrong guess (or a wrong PIN) on the locked row; returns when the block it
    started ends, if it started one. A block also calls reception, once."""
    last = _moment(data.get("failed_at"))
    still_blocked = kiosk.blocked_until is not None and kiosk.blocked_until > now
    if not still_blocked and (last is None or now - last > FAILURE_WINDOW):
        kiosk.failures, data["blocks"] = 0, 0
    kiosk.failures = (kiosk.failures or 0) + 1
    data["failed_at"] = now.isoformat()
    if kiosk.failures < MAX_FAILURES:
        return None
    blocks = int(data.get("blocks") or 0)
    kiosk.blocked_until = now + min(FIRST_BLOCK * 2 ** min(blocks, 12), LONGEST_BLOCK)
    data["blocks"] = blocks + 1
    kiosk.failures = 0
    db.session.add(KioskHelpRequest(client_id=None, reason="blocked", created_at=now))
    return kiosk.blocked_until


def record_failure(kiosk_id: str) -> datetime | None:
    """A wrong PIN: counted with the kiosk's wrong guesses."""
    now = _now()
    with write_transaction():
        kiosk = _locked(kiosk_id)
        data = _data(kiosk)
        until = _count_failure(kiosk, data, now)
        _save(kiosk, data)
    return until


# --- identified clients -----------------------------------------------------------------


def identified_client_id(kiosk: KioskSession) -> int | None:
    """The client identified in this kiosk session, while the state is fresh."""
    data = _data(kiosk)
    client_id = data.get("client_id")
    at = _moment(data.get("identified_at"))
    if not isinstance(client_id, int) or at is None or _now() - at > idle_limit():
        return None
    return client_id


def remember_client(kiosk_id: str, client_id: int) -> None:
    with write_transaction():
        kiosk = _locked(kiosk_id)
        data = _data(kiosk)
        data["client_id"], data["identified_at"] = client_id, _now().isoformat()
        _save(kiosk, data)


def forget_client(kiosk_id: str) -> None:
    """Back to the welcome screen: nobody identified. Writes only when someone was."""
    kiosk = db.session.get(KioskSession, kiosk_id)
    if kiosk is None or "client_id" not in _data(kiosk):
        return
    with write_transaction():
        kiosk = _locked(kiosk_id)
        data = _data(kiosk)
        data.pop("client_id", None)
        data.pop("identified_at", None)
        _save(kiosk, data)


def ask_reception(
    kiosk_id: str, client_id: int | None, reason: str, failed: bool = False
) -> datetime | None:
    """ "Please see reception": reception lists who is waiting (and, when the kiosk
    knew who it was, the client's timeline says so). The kiosk forgets the client.
    `failed`: a wrong guess, counted by the throttle in the same transaction; returns
    when the block it started ends, if it started one."""
    if reason not in HELP_REASONS:
        raise ValueError(reason)
    now = _now()
    with write_transaction():
        kiosk = _locked(kiosk_id)
        data = _data(kiosk)
        data.pop("client_id", None)
        data.pop("identified_at", None)
        until = _count_failure(kiosk, data, now) if failed else None
        _save(kiosk, data)
        help_request = KioskHelpRequest(client_id=client_id, reason=reason, created_at=now)
        db.session.add(help_request)
        if client_id is not None:
            db.session.flush()
            client = db.session.get(Client, client_id)
            record(client, "kiosk.asked_for_help", None, subject=help_request)
    return until


def kiosk_actor(kiosk: KioskSession):
    """Who a check-in at the kiosk is made by: the staff member who started it, while
    still active (else nobody: the kiosk then sends the client to reception)."""
    if kiosk.started_by_id is None:
        return None
    staff = db.session.get(StaffMember, kiosk.started_by_id)
    if staff is None or not staff.active:
        return None
    return SignedInStaff.of(staff)


# How the timeline names a check-in the client made at the kiosk.
KIOSK_PLACE = "Self check-in kiosk"


def check_in(kiosk_id: str, client_id: int, booking_id: int, actor) -> None:
    """The same check-in as at reception (check_in), then the kiosk forgets
    the client. Raises what check_in_at_reception raises (the caller sends the client to
    reception)."""
    if actor is None:
        raise PermissionError("the staff member who started the kiosk is no longer active")
    check_in_at_reception(client_id, actor, booking_id, where=KIOSK_PLACE)
    forget_client(kiosk_id)


# --- reception's side -------------------------------------------------------------------


def mark_seen(help_id: int, actor) -> KioskHelpRequest:
    """Reception has greeted the client: the call leaves the waiting list."""
    if not can(actor, Permission.VIEW_CLIENTS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        request = db.session.get(KioskHelpRequest, help_id, with_for_update=True)
        if request is None:
            raise LookupError(help_id)
        if request.seen_at is None:
            request.seen_at, request.seen_by_id = _now(), actor.id
    return request


# --- staff PINs -------------------------------------------------------------------------


def pin_problem(pin: str) -> str | None:
    return None if PIN_PATTERN.fullmatch(pin or "") else PIN_PROBLEM


def set_kiosk_pin(actor, pin: str) -> None:
    """A staff member sets their own PIN (stored as an Argon2id hash, like passwords)."""
    if pin_problem(pin):
        raise ValueError(PIN_PROBLEM)
    hashed = hash_password(pin)
    with write_transaction():
        member = db.session.get(StaffMember, actor.id, with_for_update=True)
        if member is None or not member.active:
            raise LookupError(actor.id)
        member.kiosk_pin_hash = hashed


def clear_kiosk_pin(actor, staff_id: int) -> None:
    """Remove a PIN: one's own, or anyone's for those who manage staff."""
    if staff_id != actor.id and not can(actor, Permission.MANAGE_STAFF):
        raise PermissionError("only those who manage staff clear another's PIN")
    with write_transaction():
        member = db.session.get(StaffMember, staff_id, with_for_update=True)
        if member is None:
            raise LookupError(staff_id)
        member.kiosk_pin_hash = None


def pin_holder(pin: str) -> int | None:
    """The active staff member whose PIN this is, or None. Each PIN is salted, so every
    holder's hash is tried; with none, a decoy spends the same time."""
    if pin_problem(pin):
        verify_password(None, pin)
        return None
    holders = db.session.execute(
        select(StaffMember.id, StaffMember.kiosk_pin_hash).where(
            StaffMember.active.is_(True), StaffMember.kiosk_pin_hash.is_not(None)
        )
    ).all()
    if not holders:
        verify_password(None, pin)
    for holder in holders:
        if verify_password(holder.kiosk_pin_hash, pin):
            return holder.id
    return None
