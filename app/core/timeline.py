"""record(): the one writer of the client timeline.

It adds to the caller's transaction and never commits, so an activity exists if and
only if the change it describes was committed with it.
"""

from datetime import date, datetime

from sqlalchemy import insert

from app.core.extensions import db
from app.core.registry import Registry
from app.models import Activity, Client, utcnow

# Verbs and how the timeline reads them.
VERB_LABELS = Registry(
    "timeline verb",
    {
        "client.created": "Profile created",
        "client.updated": "Profile updated",
        "client.labels_changed": "Labels changed",
        "client.booking_policy_changed": "Online booking changed",
        "client.locked": "Profile locked",
        "client.unlocked": "Profile unlocked",
        "client.deleted": "Moved to the trash",
        "client.restored": "Restored from the trash",
        "client.exported": "Data exported",
        "client.erased": "Personal data erased",
        "note.added": "Note added",
        "note.edited": "Note edited",
        "note.pinned": "Note pinned",
        "note.unpinned": "Note unpinned",
        "note.deleted": "Note deleted",
        "alert.added": "Alert added",
        "alert.edited": "Alert edited",
        "alert.resolved": "Alert resolved",
    },
)

# The events that change a client's fields: each quotes them as field -> [old, new] and
# is stamped with the client's version after it, so a form saved from an older version
# sees what changed since (clients.ops._fields_edited_since). Areas add theirs (an
# import, a merge).
FIELD_CHANGING_VERBS = Registry("field-changing verb", {"client.updated": "client.updated"})

# How the audit names the values other than client fields that events quote.
AUDIT_FIELD_LABELS = Registry(
    "audit field label",
    {
        "labels": "Labels",
        "booking_policy": "Online booking",
        "booking_reason": "Reason",
        "lock_reason": "Reason",
        "severity": "Severity",
        "format": "Format",
    },
)

# The Activity tab's filters: key (in the URL) -> (name, verbs). Each area adds its own
# (bookings adds "Sessions", accounts "Account").
ACTIVITY_FILTERS = Registry(
    "Activity filter",
    {
        "profile": (
            "Profile changes",
            (
                "client.created",
                "client.updated",
                "client.labels_changed",
                "client.booking_policy_changed",
            ),
        ),
        "notes": (
            "Notes",
            ("note.added", "note.edited", "note.pinned", "note.unpinned", "note.deleted"),
        ),
        "alerts": ("Alerts", ("alert.added", "alert.edited", "alert.resolved")),
        "privacy": (
            "Privacy and access",
            (
                "client.locked",
                "client.unlocked",
                "client.deleted",
                "client.restored",
                "client.exported",
                "client.erased",
            ),
        ),
    },
)


def jsonable(value):
    """A value as the timeline's JSON keeps it (dates as ISO text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def diff(before: dict, after: dict) -> dict:
    """field -> [old, new] for every field whose value changed."""
    return {
        field: [jsonable(before.get(field)), jsonable(after.get(field))]
        for field in after
        if before.get(field) != after.get(field)
    }


def _actor_columns(actor) -> tuple[str, int | None]:
    if actor is not None and getattr(actor, "is_authenticated", True):
        return "staff", actor.id
    return "system", None


def record(
    client: Client, verb: str, actor=None, *, subject=None, changes=None, at=None
) -> Activity:
    """Add one timeline event for `client` to the current transaction.

    `at` back-dates an event that happened earlier (demo history, imports).
    """
    if verb not in VERB_LABELS:
        raise ValueError(f"unknown activity verb {verb!r}")
    actor_type, actor_id = _actor_columns(actor)
    entry = Activity(
        occurred_at=at or utcnow(),
        actor_type=actor_type,
        actor_id=actor_id,
        verb=verb,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        changes=changes or None,
    )
    if client.id is None:
        db.session.flush()  # a new client needs its id before the timeline can point at it
    entry.client_id = client.id
    db.session.add(entry)
    return entry


def record_for_many(client_ids, verb: str, actor, *, changes=None) -> None:
    """The same event for many clients at once (a label deleted from all who had it), in
    one INSERT of the caller's transaction."""
    if verb not in VERB_LABELS:
        raise ValueError(f"unknown activity verb {verb!r}")
    if not client_ids:
        return
    actor_type, actor_id = _actor_columns(actor)
    now = utcnow()
    db.session.execute(
        insert(Activity),
        [
            {
                "client_id": client_id,
                "occurred_at": now,
                "actor_type": actor_type,
                "actor_id": actor_id,
                "verb": verb,
                "changes": changes,
            }
            for client_id in client_ids
        ],
    )
