"""Writes that protect a client's data: the lock, the trash and the way back from it,
the record of an export, and erasure (wiping every personal detail for good)."""

from sqlalchemy import delete, select, update

from app.clients.row_locks import lock_row
from app.clients.rules import (
    ProfileLocked,
    ProfileReadOnly,
    check_client_limit,
    may_restore,
    require,
    require_details_allowed,
    require_notes_allowed,
)
from app.core import erasure_ledger
from app.core.database import write_transaction
from app.core.erasure import run_erasure_steps
from app.core.extensions import db
from app.core.permissions import Permission
from app.core.timeline import record
from app.models import (
    EDITABLE_FIELDS,
    ERASED_FIRST_NAME,
    ERASED_LAST_NAME,
    Activity,
    Alert,
    Client,
    Erasure,
    Note,
    client_labels,
    utcnow,
)

# --- lock ---------------------------------------------------------------------------


def lock_client(client: Client, reason: str | None, actor, at=None) -> None:
    require(actor, Permission.EDIT_LOCKED_PROFILES)
    with write_transaction():
        lock_row(client)
        require_notes_allowed(actor, client)
        if client.is_locked:
            return
        client.locked_at = at or utcnow()
        client.locked_by_id = actor.id
        client.lock_reason = reason
        record(
            client,
            "client.locked",
            actor,
            changes={"lock_reason": [None, reason]} if reason else None,
            at=at,
        )


def unlock_client(client: Client, actor, at=None) -> None:
    require(actor, Permission.EDIT_LOCKED_PROFILES)
    with write_transaction():
        lock_row(client)
        require_notes_allowed(actor, client)
        if not client.is_locked:
            return
        client.locked_at = client.locked_by_id = client.lock_reason = None
        record(client, "client.unlocked", actor, at=at)


# --- trash --------------------------------------------------------------------------


def delete_client(client: Client, actor, at=None) -> None:
    """Move the client to the trash: off the list and search, restorable."""
    require(actor, Permission.DELETE_CLIENTS)
    with write_transaction():
        lock_row(client)
        require_details_allowed(actor, client)
        client.deleted_at = at or utcnow()
        client.deleted_by_id = actor.id
        record(client, "client.deleted", actor, at=at)


def restore_client(client: Client, actor, at=None) -> None:
    require(actor, Permission.DELETE_CLIENTS)
    with write_transaction():
        lock_row(client)
        if not client.in_trash:
            raise ProfileReadOnly("only a client in the trash can be restored")
        if not may_restore(actor, client):
            raise ProfileLocked("this profile is locked")
        check_client_limit()
        client.deleted_at = client.deleted_by_id = None
        record(client, "client.restored", actor, at=at)


# --- export and erasure --------------------------------------------------------------


def record_export(client: Client, export_format: str, actor) -> None:
    """The export itself is a read; that it happened is part of the client's history."""
    require(actor, Permission.IMPORT_EXPORT)
    with write_transaction():
        record(client, "client.exported", actor, changes={"format": [None, export_format]})


def masked_name(client: Client) -> str:
    """ "Ada Okafor" -> "A*** O***": enough to answer "was it this person?" with the
    person in front of you, not enough to say who it was."""
    parts = [part for part in (client.first_name, client.last_name) if part]
    return " ".join(f"{part[0]}***" for part in parts)[:60]


class ErasureNotConfirmed(ValueError):
    pass


def erase_client(client: Client, typed_name: str, actor) -> Erasure:
    """Wipe every personal detail for good; the row stays as an anonymous shell so the
    records that must be kept (sessions, money) still point at something."""
    require(actor, Permission.ERASE_CLIENTS)
    with write_transaction():
        lock_row(client)
        if client.is_erased:
            raise ProfileReadOnly("this client is already erased")
        if " ".join(typed_name.split()).casefold() != client.full_name.casefold():
            raise ErasureNotConfirmed("Type the client's full name exactly as shown.")
        erasure = wipe_client(client, actor)
        erasure_ledger.erased_after_commit(client)  # the erasure ledger, then the database files
    return erasure


def reapply_erasure(client: Client) -> Erasure | None:
    """Erase again, as the system, a client whom a restored backup brought back although
    the erasure ledger says they were erased. The caller scrubs the files once after all
    of them (see app/data/backup.py)."""
    with write_transaction():
        lock_row(client)
        if client.is_erased:
            return None
        return wipe_client(client, None)


def wipe_client(client: Client, actor) -> Erasure:
    """The erasure itself, in the caller's transaction; `actor` None is the system."""
    actor_id = getattr(actor, "id", None)
    erasure = Erasure(client_id=client.id, masked_name=masked_name(client), erased_by_id=actor_id)
    db.session.add(erasure)
    for field in EDITABLE_FIELDS:
        setattr(client, field, None)
    client.first_name, client.last_name = ERASED_FIRST_NAME, ERASED_LAST_NAME
    client.lock_reason = client.booking_policy_reason = None
    client.alert_severity = None
    now = utcnow()
    client.erased_at = now
    client.deleted_at = client.deleted_at or now
    client.deleted_by_id = client.deleted_by_id or actor_id
    client.updated_at, client.updated_by_id = now, actor_id
    db.session.execute(delete(Note).where(Note.client_id == client.id))
    db.session.execute(delete(Alert).where(Alert.client_id == client.id))
    db.session.execute(delete(client_labels).where(client_labels.c.client_id == client.id))
    run_erasure_steps(client)  # what the other areas keep (app/core/erasure.py)
    # The timeline keeps what happened and when, not the values it quoted. One UPDATE
    # by primary key for all of them (executemany): a client with 50,000 events
    # otherwise holds the write lock for half a minute.
    quoted = [
        {"id": activity_id, "changes": {field: None for field in changes}}
        for activity_id, changes in db.session.execute(
            select(Activity.id, Activity.changes).where(Activity.client_id == client.id)
        )
        if changes  # JSON null: nothing quoted
    ]
    if quoted:
        db.session.execute(update(Activity), quoted)
    record(client, "client.erased", actor, at=now)
    return erasure
