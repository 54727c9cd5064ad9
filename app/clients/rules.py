"""Who may change what about a client, and the refusals the writes raise.

Writes for clients are one function per user action, one transaction, one activity
each (detail_ops, privacy_ops, note_ops, label_ops, alert_ops). The rules about who may
change what live here (may_change_details, may_add_notes) and routes and templates ask
the same functions, so the UI, the routes and the writes agree. The plan's limit on
active clients is checked here too, for adding a client and for restoring one.
"""

from flask import current_app
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.permissions import Permission, can
from app.models import Client


class ClientLimitReached(Exception):
    def __init__(self, limit: int):
        super().__init__(
            f"Your plan allows {limit} clients and that many are already on file. "
            "Remove a client or raise the limit before adding another."
        )
        self.limit = limit


class ProfileLocked(PermissionError):
    """A locked profile's details change only for staff allowed to edit locked profiles."""


class ProfileReadOnly(PermissionError):
    """A client in the trash or erased is read-only (restore it first)."""


def require(actor, permission: Permission) -> None:
    # Routes check first; this keeps a future caller (import, API) from skipping it.
    if not can(actor, permission):
        raise PermissionError(f"{permission} is not allowed for this staff member")


# --- who may change what ------------------------------------------------------------


# Each rule takes a Client or a client list row (list_queries.client_page): they read only
# columns both carry, so the list's row menu asks the same rules the profile does.


def may_add_notes(actor, client: Client) -> bool:
    """Notes stay allowed on a locked profile; never on one in the trash or erased."""
    return client.deleted_at is None and can(actor, Permission.EDIT_CLIENTS)


def may_change_details(actor, client: Client) -> bool:
    """Details (fields, labels, alerts, booking policy, trash): the lock decides."""
    if not may_add_notes(actor, client):
        return False
    return may_pass_lock(actor, client)


def may_pass_lock(actor, client) -> bool:
    """The lock itself: a locked profile changes only for staff allowed to edit locked
    profiles (its details, its way back from the trash, a merge or its undo)."""
    return client.locked_at is None or can(actor, Permission.EDIT_LOCKED_PROFILES)


def may_delete(actor, client: Client) -> bool:
    """Into the trash: staff allowed to delete clients, when they may change the details."""
    return can(actor, Permission.DELETE_CLIENTS) and may_change_details(actor, client)


def may_merge(actor, client: Client) -> bool:
    """Merging changes the profile for good: staff allowed to merge, when they may change
    the details (so not in the trash, and a locked profile only with the lock's right)."""
    return can(actor, Permission.MERGE_CLIENTS) and may_change_details(actor, client)


def may_restore(actor, client) -> bool:
    """Out of the trash: whoever may delete clients, but a locked profile only for
    staff allowed to edit locked profiles (the lock covers the way back too)."""
    return can(actor, Permission.DELETE_CLIENTS) and may_pass_lock(actor, client)


def require_notes_allowed(actor, client: Client) -> None:
    require(actor, Permission.EDIT_CLIENTS)
    if client.deleted_at is not None:
        raise ProfileReadOnly("this client is in the trash")


def require_details_allowed(actor, client: Client) -> None:
    require_notes_allowed(actor, client)
    if not may_change_details(actor, client):
        raise ProfileLocked("this profile is locked")


def _active_clients() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Client).where(Client.deleted_at.is_(None))
    )


def check_client_limit() -> None:
    limit = current_app.config.get("MAX_CLIENTS")
    if limit is not None and _active_clients() >= limit:
        raise ClientLimitReached(limit)
