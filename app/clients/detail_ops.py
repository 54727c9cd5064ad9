"""Writes to a client's details: adding a client, the edit that merges an editor's
changes over what others saved since (EditConflict when both changed a field), and the
online booking policy."""

from sqlalchemy import select

from app.clients.row_locks import lock_row
from app.clients.rules import check_client_limit, require, require_details_allowed
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission
from app.core.timeline import FIELD_CHANGING_VERBS, diff, jsonable, record
from app.models import EDITABLE_FIELDS, Activity, Client, utcnow


def create_client(values: dict, actor, at=None) -> Client:
    """Add a client. `at` back-dates it (demo history, imports); default now."""
    require(actor, Permission.EDIT_CLIENTS)
    with write_transaction():
        check_client_limit()
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
    """A field the editor changed was also changed by someone else since the editor's
    version; nothing was written.

    `fields` are the fields both changed (to show side by side); `merged` is what the
    form should hold now: the editor's changes over everything saved since, so saving
    it again applies the editor's choice without undoing anyone else's fields."""

    def __init__(self, client: Client, fields: list[str], merged: dict):
        super().__init__("a field changed since the form was loaded")
        self.saved = {field: getattr(client, field) for field in EDITABLE_FIELDS}
        self.version = client.version
        self.fields = fields
        self.merged = merged


def _fields_edited_since(client: Client, version: int) -> dict:
    """field -> its value (as the timeline quotes it) at `version`, for every field a
    detail edit changed after that version. Other writes (labels, alerts, lock, booking
    policy) move the version too but change no field, so they never appear here."""
    value_at_version = {}
    for changes in db.session.scalars(
        select(Activity.changes)
        .where(
            Activity.client_id == client.id,
            Activity.verb.in_(tuple(FIELD_CHANGING_VERBS)),
            Activity.client_version > version,
        )
        .order_by(Activity.client_version.desc())
    ):
        # Newest first: the oldest change after `version` writes last, with the value
        # the field had at `version`.
        for field, (old, _new) in (changes or {}).items():
            if field in EDITABLE_FIELDS:  # not the other values an event quotes
                value_at_version[field] = old
    return value_at_version


def _merge_stale_edit(client: Client, values: dict, version: int) -> dict:
    """The part of a form saved from an old `version` that its editor changed, when
    nobody else changed those fields since; EditConflict for the fields both changed."""
    edited_since = _fields_edited_since(client, version)
    mine, clashes = {}, []
    for field, typed in values.items():
        seen = edited_since.get(field, jsonable(getattr(client, field)))
        if jsonable(typed) == seen:
            continue  # the editor left it as they saw it: whatever is saved stays
        mine[field] = typed
        if field in edited_since and jsonable(typed) != jsonable(getattr(client, field)):
            clashes.append(field)
    if clashes:
        saved = {field: getattr(client, field) for field in EDITABLE_FIELDS}
        raise EditConflict(client, clashes, saved | mine)
    return mine


def update_client(
    client: Client, values: dict, actor, at=None, expected_version: int | None = None
) -> dict:
    """Apply the changed fields; returns field -> [old, new] (empty when nothing changed).

    `expected_version` is the version the editor saw. If the client was saved since,
    only the fields the editor changed are applied, and only when nobody else changed
    them meanwhile; otherwise EditConflict is raised and nothing is written. `at`
    back-dates the change (demo history, imports); default now."""
    require(actor, Permission.EDIT_CLIENTS)
    with write_transaction():
        return apply_client_update(client, values, actor, at, expected_version)


def apply_client_update(
    client: Client,
    values: dict,
    actor,
    at=None,
    expected_version: int | None = None,
    on_behalf_of=None,
) -> dict:
    """update_client's rules inside the caller's write transaction, for an action that
    is an edit and more in one transaction (a client's approved correction).
    `on_behalf_of` (a DataRequest, say) is the edit's subject on the timeline: the edit
    was made on that request."""
    require(actor, Permission.EDIT_CLIENTS)
    lock_row(client)
    require_details_allowed(actor, client)
    given = {field: values[field] for field in EDITABLE_FIELDS if field in values}
    if expected_version is not None and client.version != expected_version:
        given = _merge_stale_edit(client, given, expected_version)
    changes = diff({field: getattr(client, field) for field in given}, given)
    if not changes:
        return {}
    for field in changes:
        setattr(client, field, given[field])
    _touch(client, actor, at)
    event = record(
        client,
        "client.updated",
        actor,
        subject=on_behalf_of,
        changes=changes,
        at=client.updated_at,
    )
    db.session.flush()  # the new version, which the event is stamped with
    event.client_version = client.version
    return changes


def _touch(client: Client, actor, at=None) -> None:
    client.updated_at = at or utcnow()
    client.updated_by_id = actor.id


def set_booking_policy(client: Client, policy: str, reason: str | None, actor, at=None) -> bool:
    """Allow, require approval for or block the client's online bookings."""
    with write_transaction():
        lock_row(client)
        require_details_allowed(actor, client)
        changes = diff(
            {
                "booking_policy": client.booking_policy,
                "booking_reason": client.booking_policy_reason,
            },
            {"booking_policy": policy, "booking_reason": reason},
        )
        if not changes:
            return False
        client.booking_policy, client.booking_policy_reason = policy, reason
        _touch(client, actor, at)
        record(client, "client.booking_policy_changed", actor, changes=changes, at=at)
    return True
