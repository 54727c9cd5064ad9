"""Writes to labels: the labels themselves (names checked to fit and to be free) and
which labels a client carries."""

from sqlalchemy import delete, insert, inspect, select

from app.clients.row_locks import DeletedMeanwhile, lock_row
from app.clients.rules import require, require_details_allowed
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission
from app.core.timeline import record, record_for_many
from app.models import LABEL_KEY_MAX_LENGTH, LABEL_NAME_MAX_LENGTH, Client, Label, client_labels


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
    require(actor, Permission.MANAGE_SETTINGS)
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
    require(actor, Permission.MANAGE_SETTINGS)
    with write_transaction():
        _lock_label(label)
        key = _check_label_name(name, label.id)
        label.name, label.name_key, label.colour = name, key, colour


def delete_label(label: Label, actor) -> int:
    """Remove the label from every client (each timeline says so); returns how many."""
    require(actor, Permission.MANAGE_SETTINGS)
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
        lock_row(client)
        require_details_allowed(actor, client)
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
