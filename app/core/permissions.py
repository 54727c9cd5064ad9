"""Roles -> permissions: the one table that says who may do what."""

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user


class Permission(StrEnum):
    VIEW_CLIENTS = "view_clients"
    EDIT_CLIENTS = "edit_clients"
    EDIT_LOCKED_PROFILES = "edit_locked_profiles"
    DELETE_CLIENTS = "delete_clients"
    ERASE_CLIENTS = "erase_clients"
    MERGE_CLIENTS = "merge_clients"
    IMPORT_EXPORT = "import_export"
    VIEW_PROGRESS = "view_progress"
    ADJUST_CREDITS = "adjust_credits"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_STAFF = "manage_staff"
    MANAGE_ATTENDANCE = "manage_attendance"  # remove a visit from the history


_EVERYONE = {Permission.VIEW_CLIENTS, Permission.EDIT_CLIENTS}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "owner": frozenset(Permission),
    "manager": frozenset(set(Permission) - {Permission.ERASE_CLIENTS, Permission.MANAGE_STAFF}),
    "front_desk": frozenset(_EVERYONE | {Permission.DELETE_CLIENTS, Permission.ADJUST_CREDITS}),
    "practitioner": frozenset(_EVERYONE | {Permission.VIEW_PROGRESS}),
}


def can(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def requires(permission: Permission):
    """Route decorator: 403 unless the signed-in staff member has the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
