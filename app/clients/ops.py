"""Writes for clients: one function per user action, one transaction, one activity each.

The rules about who may change what live here (may_change_details, may_add_notes) and
routes and templates ask the same functions, so the UI, the routes and the writes agree.
"""

from flask import current_app
from sqlalchemy import delete, func, insert, inspect, select, update

from app.core import erasure_ledger
from app.core.database import scrub_after_commit, write_transaction
from app.core.erasure import run_erasure_steps
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import FIELD_CHANGING_VERBS, diff, jsonable, record, record_for_many
from app.models import (
    ALERT_SEVERITIES,
    EDITABLE_FIELDS,
    ERASED_FIRST_NAME,
    ERASED_LAST_NAME,
    LABEL_KEY_MAX_LENGTH,
    LABEL_NAME_MAX_LENGTH,
    Activity,
    Alert,
    Client,
    Erasure,
    Label,
    Note,
    client_labels,
    utcnow,
)


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


def _require(actor, permission: Permission) -> None:
    # Routes check first; this keeps a future caller (import, API) from skipping it.
    if not can(actor, permission):
        raise PermissionError(f"{permission} is not allowed for this staff member")


# --- who may change what ------------------------------------------------------------


# Each rule takes a Client or a client list row (queries.client_page): they read only
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


def _require_notes_allowed(actor, client: Client) -> None:
    _require(actor, Permission.EDIT_CLIENTS)
    if client.deleted_at is not None:
        raise ProfileReadOnly("this client is in the trash")


def _require_details_allowed(actor, client: Client) -> None:
    _require_notes_allowed(actor, client)
    if not may_change_details(actor, client):
        raise ProfileLocked("this profile is locked")


def _lock_row(client: Client) -> None:
    # Re-read under a row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE holds one already)
    # so the checks below see what concurrent writers committed.
    db.session.refresh(client, with_for_update=True)


class DeletedMeanwhile(LookupError):
    """The note, alert or label was deleted after the page that shows it was loaded: by
    a colleague, or with the client's erasure. Nothing was written."""

    def __init__(self, record):
        self.kind = type(record).__name__.lower()  # "note", "alert", "label"
        super().__init__(f"this {self.kind} was deleted meanwhile")


def _lock_client_of(record) -> Client:
    """Lock the client a note or alert belongs to (writers to one client queue behind each
    other) and re-read the record as it is now; DeletedMeanwhile when it is gone."""
    model, (record_id,) = type(record), inspect(record).identity

    def reread():
        # The same object, refreshed (populate_existing), or None once the row is gone.
        found = db.session.scalar(
            select(model).where(model.id == record_id).execution_options(populate_existing=True)
        )
        if found is None:
            raise DeletedMeanwhile(record)
        return found

    client = db.session.get(Client, reread().client_id, with_for_update=True)
    reread()  # a writer we queued behind may have deleted it
    return client


def _active_clients() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Client).where(Client.deleted_at.is_(None))
    )


def _check_client_limit() -> None:
    limit = current_app.config.get("MAX_CLIENTS")
    if limit is not None and _active_clients() >= limit:
        raise ClientLimitReached(limit)


# --- the profile --------------------------------------------------------------------


def create_client(values: dict, actor, at=None) -> Client:
    """Add a client. `at` back-dates it (demo history, imports); default now."""
    _require(actor, Permission.EDIT_CLIENTS)
    with write_transaction():
        _check_client_limit()
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
            Activity.verb.in_(FIELD_CHANGING_VERBS),
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
    _require(actor, Permission.EDIT_CLIENTS)
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
    _require(actor, Permission.EDIT_CLIENTS)
    _lock_row(client)
    _require_details_allowed(actor, client)
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
        _lock_row(client)
        _require_details_allowed(actor, client)
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


# --- lock ---------------------------------------------------------------------------


def lock_client(client: Client, reason: str | None, actor, at=None) -> None:
    _require(actor, Permission.EDIT_LOCKED_PROFILES)
    with write_transaction():
        _lock_row(client)
        _require_notes_allowed(actor, client)
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
    _require(actor, Permission.EDIT_LOCKED_PROFILES)
    with write_transaction():
        _lock_row(client)
        _require_notes_allowed(actor, client)
        if not client.is_locked:
            return
        client.locked_at = client.locked_by_id = client.lock_reason = None
        record(client, "client.unlocked", actor, at=at)


# --- trash --------------------------------------------------------------------------


def delete_client(client: Client, actor, at=None) -> None:
    """Move the client to the trash: off the list and search, restorable."""
    _require(actor, Permission.DELETE_CLIENTS)
    with write_transaction():
        _lock_row(client)
        _require_details_allowed(actor, client)
        client.deleted_at = at or utcnow()
        client.deleted_by_id = actor.id
        record(client, "client.deleted", actor, at=at)


def restore_client(client: Client, actor, at=None) -> None:
    _require(actor, Permission.DELETE_CLIENTS)
    with write_transaction():
        _lock_row(client)
        if not client.in_trash:
            raise ProfileReadOnly("only a client in the trash can be restored")
        if not may_restore(actor, client):
            raise ProfileLocked("this profile is locked")
        _check_client_limit()
        client.deleted_at = client.deleted_by_id = None
        record(client, "client.restored", actor, at=at)


# --- notes --------------------------------------------------------------------------


class NoteConflict(Exception):
    """The note was saved by someone else since the editor loaded it."""

    def __init__(self, note: Note):
        super().__init__("the note changed since the form was loaded")
        self.saved_body = note.body
        self.version = note.version


def add_note(client: Client, body: str, actor, pinned: bool = False, at=None) -> Note:
    with write_transaction():
        _lock_row(client)
        _require_notes_allowed(actor, client)
        now = at or utcnow()
        note = Note(
            client_id=client.id,
            body=body,
            pinned=pinned,
            author_id=actor.id,
            updated_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(note)
        db.session.flush()
        record(client, "note.added", actor, subject=note, at=now)
    return note


def edit_note(note: Note, body: str, actor, expected_version: int | None = None) -> bool:
    with write_transaction():
        client = _lock_client_of(note)
        _require_notes_allowed(actor, client)
        if expected_version is not None and note.version != expected_version:
            raise NoteConflict(note)
        if note.body == body:
            return False
        note.body = body
        note.updated_at = utcnow()
        note.updated_by_id = actor.id
        # Never the text: the timeline is not encrypted.
        record(client, "note.edited", actor, subject=note)
    return True


def set_note_pinned(note: Note, pinned: bool, actor) -> None:
    with write_transaction():
        client = _lock_client_of(note)
        _require_notes_allowed(actor, client)
        if note.pinned == pinned:
            return
        note.pinned = pinned
        record(client, "note.pinned" if pinned else "note.unpinned", actor, subject=note)


def delete_note(note: Note, actor) -> None:
    with write_transaction():
        client = _lock_client_of(note)
        _require_notes_allowed(actor, client)
        record(client, "note.deleted", actor, subject=note)
        db.session.execute(delete(Note).where(Note.id == note.id))
        scrub_after_commit("notes")


# --- labels -------------------------------------------------------------------------


class LabelNameRefused(ValueError):
    """A label name that cannot be stored; the message says why, beside the field."""


class LabelNameTaken(LabelNameRefused):
    pass


def label_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _check_label_name(name: str, label_id: int | None = None) -> str:
    """The key to store for `name`, once the name is known to fit and to be free.

    The lengths checked are those of what is stored: case folding makes the key
    longer than the name ("ß" -> "ss", "ﬃ" -> "ffi"), and a column that is too short
    is an error on PostgreSQL where SQLite would store it anyway."""
    key = label_key(name)
    if not key:
        raise LabelNameRefused("Give the label a name.")
    if len(name) > LABEL_NAME_MAX_LENGTH or len(key) > LABEL_KEY_MAX_LENGTH:
        raise LabelNameRefused(f"Use at most {LABEL_NAME_MAX_LENGTH} characters.")
    clash = select(Label.id).where(Label.name_key == key)
    if label_id is not None:
        clash = clash.where(Label.id != label_id)
    if db.session.scalar(clash) is not None:
        raise LabelNameTaken(f"There is already a label called “{name}”.")
    return key


def create_label(name: str, colour: str, actor) -> Label:
    _require(actor, Permission.MANAGE_SETTINGS)
    with write_transaction():
        key = _check_label_name(name)
        label = Label(name=name, name_key=key, colour=colour)
        db.session.add(label)
    return label


def _lock_label(label: Label) -> None:
    """Re-read the label under a row lock (a rename and a delete queue behind each
    other); DeletedMeanwhile when a colleague deleted it since the page was loaded."""
    (label_id,) = inspect(label).identity
    current = select(Label).where(Label.id == label_id).with_for_update()
    if db.session.scalar(current.execution_options(populate_existing=True)) is None:
        raise DeletedMeanwhile(label)


def update_label(label: Label, name: str, colour: str, actor) -> None:
    _require(actor, Permission.MANAGE_SETTINGS)
    with write_transaction():
        _lock_label(label)
        key = _check_label_name(name, label.id)
        label.name, label.name_key, label.colour = name, key, colour


def delete_label(label: Label, actor) -> int:
    """Remove the label from every client (each timeline says so); returns how many."""
    _require(actor, Permission.MANAGE_SETTINGS)
    with write_transaction():
        _lock_label(label)
        holders = db.session.scalars(
            select(client_labels.c.client_id).where(client_labels.c.label_id == label.id)
        ).all()
        record_for_many(
            holders, "client.labels_changed", actor, changes={"labels": [[label.name], []]}
        )
        db.session.execute(delete(client_labels).where(client_labels.c.label_id == label.id))
        db.session.delete(label)
    return len(holders)


def change_client_labels(client: Client, actor, *, add=frozenset(), remove=frozenset()) -> dict:
    """Tick the labels in `add` and untick those in `remove`, leaving every other label
    as it is now: a colleague ticking another label at the same moment keeps theirs.
    Returns the change (empty when none). Unknown ids are ignored (a label deleted
    while the picker was open)."""
    return _change_labels(client, actor, lambda _current: (set(add), set(remove)))


def set_client_labels(client: Client, label_ids: set[int], actor) -> dict:
    """Tick exactly `label_ids` (demo data and tests; staff change one label at a time)."""
    wanted = set(label_ids)
    return _change_labels(client, actor, lambda current: (wanted - current, current - wanted))


def _change_labels(client: Client, actor, delta) -> dict:
    with write_transaction():
        _lock_row(client)
        _require_details_allowed(actor, client)
        current = dict(
            db.session.execute(
                select(Label.id, Label.name)
                .join(client_labels, client_labels.c.label_id == Label.id)
                .where(client_labels.c.client_id == client.id)
            ).all()
        )
        add, remove = delta(set(current))
        known = (
            dict(db.session.execute(select(Label.id, Label.name).where(Label.id.in_(add))).all())
            if add
            else {}
        )
        added = known.keys() - current.keys()
        removed = (remove & current.keys()) - added
        if not added and not removed:
            return {}
        if removed:
            db.session.execute(
                delete(client_labels).where(
                    client_labels.c.client_id == client.id, client_labels.c.label_id.in_(removed)
                )
            )
        if added:
            db.session.execute(
                insert(client_labels),
                [{"client_id": client.id, "label_id": label_id} for label_id in added],
            )
        after = {
            label_id: name
            for label_id, name in (current | known).items()
            if label_id not in removed
        }
        changes = {
            "labels": [
                sorted(current.values(), key=str.casefold),
                sorted(after.values(), key=str.casefold),
            ]
        }
        record(client, "client.labels_changed", actor, changes=changes)
    return changes


# --- alerts -------------------------------------------------------------------------


def refresh_alert_severity(client: Client) -> None:
    """Keep the client's most severe open alert on the row, for the list's icon."""
    open_severities = set(
        db.session.scalars(
            select(Alert.severity).where(Alert.client_id == client.id, Alert.resolved_at.is_(None))
        )
    )
    client.alert_severity = next(
        (severity for severity in ALERT_SEVERITIES if severity in open_severities), None
    )


def add_alert(client: Client, severity: str, text: str, actor, at=None) -> Alert:
    with write_transaction():
        _lock_row(client)
        _require_details_allowed(actor, client)
        now = at or utcnow()
        alert = Alert(
            client_id=client.id,
            severity=severity,
            text=text,
            created_at=now,
            updated_at=now,
            created_by_id=actor.id,
        )
        db.session.add(alert)
        db.session.flush()
        refresh_alert_severity(client)
        # The severity only: an alert's text is as private as a note.
        record(
            client,
            "alert.added",
            actor,
            subject=alert,
            changes={"severity": [None, severity]},
            at=now,
        )
    return alert


def edit_alert(alert: Alert, severity: str, text: str, actor) -> bool:
    with write_transaction():
        client = _lock_client_of(alert)
        _require_details_allowed(actor, client)
        if alert.resolved_at is not None:
            raise ProfileReadOnly("a resolved alert cannot be edited")
        if (alert.severity, alert.text) == (severity, text):
            return False
        changes = diff({"severity": alert.severity}, {"severity": severity})
        alert.severity, alert.text, alert.updated_at = severity, text, utcnow()
        db.session.flush()
        refresh_alert_severity(client)
        record(client, "alert.edited", actor, subject=alert, changes=changes)
    return True


def resolve_alert(alert: Alert, actor) -> None:
    with write_transaction():
        client = _lock_client_of(alert)
        _require_details_allowed(actor, client)
        if alert.resolved_at is not None:
            return
        alert.resolved_at = utcnow()
        alert.resolved_by_id = actor.id
        db.session.flush()
        refresh_alert_severity(client)
        record(
            client,
            "alert.resolved",
            actor,
            subject=alert,
            changes={"severity": [alert.severity, None]},
        )


# --- export and erasure --------------------------------------------------------------


def record_export(client: Client, export_format: str, actor) -> None:
    """The export itself is a read; that it happened is part of the client's history."""
    _require(actor, Permission.IMPORT_EXPORT)
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
    _require(actor, Permission.ERASE_CLIENTS)
    with write_transaction():
        _lock_row(client)
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
        _lock_row(client)
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
