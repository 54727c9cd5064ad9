"""record(): the one writer of the client timeline.

It adds to the caller's transaction and never commits, so an activity exists if and
only if the change it describes was committed with it.
"""

from datetime import date, datetime

from app.extensions import db
from app.models import Activity, Client, utcnow

# Verbs and how the timeline reads them.
VERB_LABELS = {
    "client.created": "Profile created",
    "client.updated": "Profile updated",
}


def _jsonable(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def diff(before: dict, after: dict) -> dict:
    """field -> [old, new] for every field whose value changed."""
    return {
        field: [_jsonable(before.get(field)), _jsonable(after.get(field))]
        for field in after
        if before.get(field) != after.get(field)
    }


def record(
    client: Client, verb: str, actor=None, *, subject=None, changes=None, at=None
) -> Activity:
    """Add one timeline event for `client` to the current transaction.

    `at` back-dates an event that happened earlier (demo history, imports).
    """
    if verb not in VERB_LABELS:
        raise ValueError(f"unknown activity verb {verb!r}")
    actor_type, actor_id = ("system", None)
    if actor is not None and getattr(actor, "is_authenticated", True):
        actor_type, actor_id = ("staff", actor.id)
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
