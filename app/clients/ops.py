"""Writes for clients: one function per user action, one transaction, one activity each."""

from flask import current_app
from sqlalchemy import func, select

from app.activity import diff, record
from app.database import write_transaction
from app.extensions import db
from app.models import EDITABLE_FIELDS, Client, utcnow
from app.permissions import Permission, can


class ClientLimitReached(Exception):
    def __init__(self, limit: int):
        super().__init__(
            f"Your plan allows {limit} clients and that many are already on file. "
            "Remove a client or raise the limit before adding another."
        )
        self.limit = limit


def _require(actor, permission: Permission) -> None:
    # Routes check first; this keeps a future caller (import, API) from skipping it.
    if not can(actor, permission):
        raise PermissionError(f"{permission} is not allowed for this staff member")


def create_client(values: dict, actor, at=None) -> Client:
    """Add a client. `at` back-dates it (demo history, imports); default now."""
    _require(actor, Permission.EDIT_CLIENTS)
    limit = current_app.config.get("MAX_CLIENTS")
    with write_transaction():
        if limit is not None:
            on_file = db.session.scalar(select(func.count()).select_from(Client))
            if on_file >= limit:
                raise ClientLimitReached(limit)
        now = at or utcnow()
        client = Client(
            **{field: values.get(field) for field in EDITABLE_FIELDS},
            created_at=now,
            updated_at=now,
            created_by_id=actor.id,
            updated_by_id=actor.id,
        )
        db.session.add(client)
        record(client, "client.created", actor, at=now)
    return client


class EditConflict(Exception):
    """Someone saved the client after the editor loaded it; nothing was written."""

    def __init__(self, client: Client):
        super().__init__("the client changed since the form was loaded")
        self.saved = {field: getattr(client, field) for field in EDITABLE_FIELDS}
        self.version = client.version


def update_client(
    client: Client, values: dict, actor, at=None, expected_version: int | None = None
) -> dict:
    """Apply the changed fields; returns field -> [old, new] (empty when nothing changed).

    `expected_version` is the version the editor saw: if the client was saved since,
    EditConflict is raised rather than overwriting that save. `at` back-dates the
    change (demo history, imports); default now."""
    _require(actor, Permission.EDIT_CLIENTS)
    with write_transaction():
        # Read the row under a lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
        # one) so a concurrent save waits for this one instead of failing.
        db.session.refresh(client, with_for_update=True)
        if expected_version is not None and client.version != expected_version:
            raise EditConflict(client)
        given = [field for field in EDITABLE_FIELDS if field in values]  # others stay as they are
        before = {field: getattr(client, field) for field in given}
        changes = diff(before, {field: values[field] for field in given})
        if not changes:
            return {}
        for field in changes:
            setattr(client, field, values.get(field))
        client.updated_at = at or utcnow()
        client.updated_by_id = actor.id
        record(client, "client.updated", actor, changes=changes, at=client.updated_at)
    return changes
