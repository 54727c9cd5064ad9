"""Merge two or three client profiles into one, and undo it within UNDO_MERGE_DAYS.

What moves is found from the database metadata, not listed here: every table with a
foreign key to clients is moved to the survivor, unless it is
- a per-client table that an area derives from the others (client_session_counts):
  the area registers how to recompute it (@derived_per_client) and both sides are
  recomputed after the merge and after its undo;
- handled by a rule of its own here (client_labels: the labels are united);
- one of the tables in STAYS, with the reason it stays.
A table that is in none of these (say, one a later area adds with a two-column primary
key) stops the merge with an error and fails tests/test_merge.py: the merge never
silently leaves a client's rows behind.

Every moved row's primary key is kept on the merge record (MergedClient.moved), so an
undo puts exactly those rows back, and can tell which of them changed since.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer, Table, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import (
    ACTIVITY_FILTERS,
    AUDIT_FIELD_LABELS,
    FIELD_CHANGING_VERBS,
    VERB_LABELS,
    jsonable,
    record,
)
from app.data.words import ROW_WORDS, rows_in_words
from app.models import (
    EDITABLE_FIELDS,
    UNDO_MERGE_DAYS,
    Base,
    Client,
    Merge,
    MergedClient,
    client_labels,
    utcnow,
)

MAX_PROFILES = 3  # the survivor and up to two others
_CHUNK = 5000  # primary keys per statement (SQLite's limit on bound values is far above)

# Tables that point at clients and do not move, and why.
STAYS = {
    "merges": "the merge's own record",
    "merged_clients": "the merge's own record",
    "not_duplicates": "a pair is about two profiles; it matters again if the merge is undone",
    "imported_clients": "what an import did stays with the profile it touched; a revert "
    "finds a merged profile changed since",
}
_LABELS = "client_labels"
_DERIVED: dict[str, Callable[[int], None]] = {}

VERB_LABELS.update(
    {
        "client.merged": "Profiles merged",
        "client.merged_into": "Merged into another profile",
        "client.merge_undone": "Merge undone",
        "client.unmerged": "Brought back by undoing a merge",
    }
)
AUDIT_FIELD_LABELS.update({"merged_profiles": "Merged profiles", "merged_into": "Merged into"})
FIELD_CHANGING_VERBS.update({"client.merged", "client.merge_undone"})
_name, _verbs = ACTIVITY_FILTERS["profile"]
ACTIVITY_FILTERS["profile"] = (
    _name,
    _verbs + ("client.merged", "client.merged_into", "client.merge_undone", "client.unmerged"),
)


def derived_per_client(table: str):
    """Register how an area recomputes its per-client table for one client."""

    def register(function: Callable[[int], None]):
        _DERIVED[table] = function
        return function

    return register


class MergeRefused(Exception):
    """A merge (or its undo) that cannot be done; the message is for staff."""


class UndoBlocked(MergeRefused):
    def __init__(self, blockers: list[str]):
        super().__init__("This merge cannot be undone: " + "; ".join(blockers) + ".")
        self.blockers = blockers


class StaleProfiles(MergeRefused):
    """A profile changed after the merge page was loaded: staff should look again."""

    def __init__(self, names: list[str]):
        super().__init__(
            f"{', '.join(names)} changed since this page was opened. "
            "The values below are the current ones: check them and merge again."
        )
        self.names = names


@dataclass(frozen=True)
class Reference:
    table: Table
    column: str  # the column that holds the client's id

    @property
    def key(self):
        (primary_key,) = self.table.primary_key.columns
        return primary_key


def client_references() -> list[Reference]:
    """Every column, in every table, that holds a client's id (from the metadata)."""
    return [
        Reference(table, key.parent.name)
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "clients" and table.name != "clients"
    ]


def moved_references() -> list[Reference]:
    """The references a merge moves row by row. Raises for a table it cannot move."""
    moved = []
    for reference in client_references():
        name = reference.table.name
        if name in STAYS or name in _DERIVED or name == _LABELS:
            continue
        if len(reference.table.primary_key.columns) != 1:
            raise MergeRefused(
                f"The merge does not know how to move the table {name}: "
                "it needs a rule in app/data/merge.py."
            )
        moved.append(reference)
    return moved


def uncovered_tables() -> set[str]:
    """Tables pointing at clients that the merge neither moves, derives, nor keeps."""
    covered = set(STAYS) | set(_DERIVED) | {_LABELS}
    return {
        reference.table.name
        for reference in client_references()
        if reference.table.name not in covered and len(reference.table.primary_key.columns) != 1
    }


# --- who may merge ---------------------------------------------------------------------


def mergeable_problem(actor, client: Client) -> str | None:
    """Why this profile cannot take part in a merge by this staff member, or None."""
    if client.is_merged:
        return f"{client.full_name} was already merged into another profile."
    if client.is_erased:
        return "An erased profile cannot be merged."
    if client.deleted_at is not None:
        return f"{client.full_name} is in the trash: restore the profile first."
    from app.clients.ops import may_merge  # the lock's rule, in one place

    if not may_merge(actor, client):
        return f"{client.full_name}'s profile is locked: ask someone who may edit locked profiles."
    return None


def default_choices(survivor: Client, others: list[Client]) -> dict[str, int]:
    """For each field, whose value stays: the survivor's when it has one, else the first
    other profile's that has one."""
    choices = {}
    for field in EDITABLE_FIELDS:
        source = survivor
        if getattr(survivor, field) in (None, ""):
            source = next((o for o in others if getattr(o, field) not in (None, "")), survivor)
        choices[field] = source.id
    return choices


# --- merge -----------------------------------------------------------------------------


def _lock_profiles(ids: list[int]) -> dict[int, Client]:
    """The profiles, re-read under row locks in id order (two merges never deadlock)."""
    rows = db.session.scalars(
        select(Client)
        .where(Client.id.in_(ids))
        .order_by(Client.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {client.id: client for client in rows}


def _fields(client: Client) -> dict:
    return {field: jsonable(getattr(client, field)) for field in EDITABLE_FIELDS}


def _from_json(field: str, value):
    """A field's value as _fields() kept it, back in the column's type."""
    if value is not None and field == "birth_date":
        return date.fromisoformat(value)
    return value


def _among(key_column, keys: list) -> list:
    """Conditions that together pick the rows whose primary key is in `keys`: on
    PostgreSQL one array parameter (= ANY), which it reads as fast as one id; elsewhere
    IN lists of _CHUNK ids (a list of 50,000 bound values each parsed on its own cost
    PostgreSQL a second and a half in an undo)."""
    if db.engine.dialect.name == "postgresql":
        return [key_column == any_(bindparam("keys", keys, type_=ARRAY(Integer)))]
    return [key_column.in_(keys[start : start + _CHUNK]) for start in range(0, len(keys), _CHUNK)]


def _move_rows(reference: Reference, from_id: int, to_id: int) -> list:
    column = reference.table.c[reference.column]
    keys = list(db.session.scalars(select(reference.key).where(column == from_id)))
    if keys:
        db.session.execute(
            update(reference.table).where(column == from_id).values({reference.column: to_id})
        )
    return keys


def _unite_labels(from_id: int, to_id: int) -> list[int]:
    """Give the survivor the merged profile's labels it lacks; the merged profile keeps
    its own (it shows nowhere, and an undo finds them as they were)."""
    have = set(
        db.session.scalars(
            select(client_labels.c.label_id).where(client_labels.c.client_id == to_id)
        )
    )
    gained = [
        label_id
        for label_id in db.session.scalars(
            select(client_labels.c.label_id).where(client_labels.c.client_id == from_id)
        )
        if label_id not in have
    ]
    if gained:
        db.session.execute(
            insert(client_labels), [{"client_id": to_id, "label_id": i} for i in gained]
        )
    return gained


def _refresh_derived(client_ids: list[int]) -> None:
    from app.clients.ops import refresh_alert_severity

    for client_id in client_ids:
        for refresh in _DERIVED.values():
            refresh(client_id)
        refresh_alert_severity(db.session.get(Client, client_id))


def merge_clients(
    survivor_id: int,
    other_ids: list[int],
    choices: dict[str, int],
    actor,
    versions: dict[int, int] | None = None,
) -> Merge:
    """Merge `other_ids` into the survivor in one transaction.

    `choices` says, per field, which profile's value stays (default_choices fills the
    rest); `versions` are the profiles' versions the staff member looked at: if one
    changed since, StaleProfiles and nothing is written."""
    if not can(actor, Permission.MERGE_CLIENTS):
        raise PermissionError("merging clients is not allowed for this staff member")
    other_ids = [i for i in dict.fromkeys(other_ids) if i != survivor_id]
    if not 1 <= len(other_ids) <= MAX_PROFILES - 1:
        raise MergeRefused(f"Choose two or three profiles to merge (at most {MAX_PROFILES}).")
    references = moved_references()
    with write_transaction():
        profiles = _lock_profiles([survivor_id, *other_ids])
        if len(profiles) != len(other_ids) + 1:
            raise MergeRefused("One of these profiles no longer exists.")
        survivor, others = profiles[survivor_id], [profiles[i] for i in other_ids]
        for client in (survivor, *others):
            problem = mergeable_problem(actor, client)
            if problem:
                raise MergeRefused(problem)
        if versions:
            stale = [c.full_name for c in profiles.values() if versions.get(c.id) != c.version]
            if stale:
                raise StaleProfiles(stale)
        chosen = default_choices(survivor, others) | {
            field: source
            for field, source in choices.items()
            if field in EDITABLE_FIELDS and source in profiles
        }
        before = _fields(survivor)
        for field, source in chosen.items():
            setattr(survivor, field, getattr(profiles[source], field))
        now = utcnow()
        survivor.updated_at, survivor.updated_by_id = now, actor.id
        survivor.last_merged_at = now
        merge = Merge(
            survivor_id=survivor.id,
            survivor_before=json.dumps(before),
            chosen=json.dumps(chosen),
            survivor_version_after=0,
            created_by_id=actor.id,
            created_at=now,
        )
        db.session.add(merge)
        db.session.flush()
        members = []
        for other in others:
            moved = {
                reference.table.name + "." + reference.column: _move_rows(
                    reference, other.id, survivor.id
                )
                for reference in references
            }
            moved[_LABELS] = _unite_labels(other.id, survivor.id)
            other.merged_into_id = survivor.id
            other.deleted_at, other.deleted_by_id = now, actor.id
            other.updated_at, other.updated_by_id = now, actor.id
            record(
                other,
                "client.merged_into",
                actor,
                changes={"merged_into": [None, f"{survivor.full_name} (#{survivor.id})"]},
                at=now,
            )
            members.append((other, moved))
        _refresh_derived([survivor.id])
        after = _fields(survivor)
        changes = {
            field: [before[field], after[field]] for field in after if before[field] != after[field]
        }
        changes["merged_profiles"] = [None, ", ".join(f"{o.full_name} (#{o.id})" for o in others)]
        event = record(survivor, "client.merged", actor, subject=merge, changes=changes, at=now)
        db.session.flush()  # the versions below are the ones the merge leaves
        merge.survivor_version_after = event.client_version = survivor.version
        for other, moved in members:
            db.session.add(
                MergedClient(
                    merge_id=merge.id,
                    client_id=other.id,
                    moved=json.dumps({name: keys for name, keys in moved.items() if keys}),
                    version_after=other.version,
                )
            )
    return merge


# --- undo ------------------------------------------------------------------------------


def undo_deadline(merge: Merge):
    return merge.created_at + timedelta(days=UNDO_MERGE_DAYS)


def _reference_named(name: str) -> Reference:
    table_name, column = name.split(".", 1)
    return Reference(Base.metadata.tables[table_name], column)


def _changed_rows(reference: Reference, keys: list, survivor_id: int, since) -> int:
    """How many of the moved rows are gone, elsewhere, or edited since the merge."""
    table, column = reference.table, reference.table.c[reference.column]
    condition = column == survivor_id
    if "updated_at" in table.c:
        condition = condition & (table.c.updated_at <= since)
    unchanged = 0
    for among in _among(reference.key, keys):
        unchanged += db.session.scalar(
            select(func.count()).select_from(table).where(among, condition)
        )
    return len(keys) - unchanged


def _details_the_merge_left(merge: Merge, profiles: dict[int, Client]) -> dict:
    """The survivor's details as the merge left them: each chosen field from the profile
    it was taken from (a merged profile is read-only, so its values are as they were),
    every other field as it was before."""
    details = json.loads(merge.survivor_before)
    for field, source in json.loads(merge.chosen).items():
        if source != merge.survivor_id and source in profiles:
            details[field] = jsonable(getattr(profiles[source], field))
    return details


def undo_blockers(
    merge: Merge, members: list[MergedClient], profiles: dict[int, Client]
) -> list[str]:
    """What stops this merge from being undone, in words; empty when it can be."""
    blockers = []
    survivor = profiles.get(merge.survivor_id)
    if merge.undone_at is not None:
        return ["it was undone already"]
    if utcnow() > undo_deadline(merge):
        return [f"a merge can be undone for {UNDO_MERGE_DAYS} days and this one is older"]
    if survivor is None or survivor.is_erased:
        return ["the profile it made was erased"]
    if survivor.is_merged:
        blockers.append(
            f"{survivor.full_name} was merged into another profile since: undo that merge first"
        )
    elif _fields(survivor) != _details_the_merge_left(merge, profiles):
        # The details, not the row's version: a lock (or any other write to the row)
        # bumps the version without editing a detail, and does not block the undo.
        blockers.append(f"{survivor.full_name}'s details were changed after the merge")
    for member in members:
        client = profiles.get(member.client_id)
        if client is None or client.merged_into_id != merge.survivor_id or client.is_erased:
            blockers.append(f"profile #{member.client_id} is no longer part of this merge")
            continue
        for name, keys in json.loads(member.moved).items():
            if name == _LABELS:
                continue
            changed = _changed_rows(
                _reference_named(name), keys, merge.survivor_id, merge.created_at
            )
            if changed:
                blockers.append(
                    f"{rows_in_words(name.split('.')[0], changed)} that came from "
                    f"{client.full_name} changed or went since the merge"
                )
    return blockers


def merge_state(merge_id: int):
    """The merge, its members and the profiles involved (no locks): for pages."""
    merge = db.session.get(Merge, merge_id)
    if merge is None:
        return None, [], {}
    members = list(
        db.session.scalars(select(MergedClient).where(MergedClient.merge_id == merge_id))
    )
    ids = [merge.survivor_id, *(m.client_id for m in members)]
    profiles = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(ids)))}
    return merge, members, profiles


def undo_merge(merge_id: int, actor) -> Merge:
    """Bring the merged profiles back with their own values and rows; the survivor gets
    its values from before the merge. UndoBlocked (nothing written) when something
    moved has changed since."""
    if not can(actor, Permission.MERGE_CLIENTS):
        raise PermissionError("merging clients is not allowed for this staff member")
    with write_transaction():
        merge = db.session.get(Merge, merge_id, with_for_update=True, populate_existing=True)
        if merge is None:
            raise LookupError(merge_id)
        members = list(
            db.session.scalars(select(MergedClient).where(MergedClient.merge_id == merge_id))
        )
        profiles = _lock_profiles([merge.survivor_id, *(m.client_id for m in members)])
        from app.clients.ops import may_pass_lock

        for client in profiles.values():
            if not may_pass_lock(actor, client):
                raise MergeRefused(f"{client.full_name}'s profile is locked.")
        blockers = undo_blockers(merge, members, profiles)
        if blockers:
            raise UndoBlocked(blockers)
        survivor = profiles[merge.survivor_id]
        now = utcnow()
        merged_values = _fields(survivor)
        restored = json.loads(merge.survivor_before)
        for field, value in restored.items():
            setattr(survivor, field, _from_json(field, value))
        survivor.updated_at, survivor.updated_by_id = now, actor.id
        for member in members:
            client = profiles[member.client_id]
            for name, keys in json.loads(member.moved).items():
                if name == _LABELS:
                    db.session.execute(
                        client_labels.delete().where(
                            client_labels.c.client_id == survivor.id,
                            client_labels.c.label_id.in_(keys),
                        )
                    )
                    continue
                reference = _reference_named(name)
                for among in _among(reference.key, keys):
                    db.session.execute(
                        update(reference.table).where(among).values({reference.column: client.id})
                    )
            client.merged_into_id = None
            client.deleted_at = client.deleted_by_id = None
            client.updated_at, client.updated_by_id = now, actor.id
            record(
                client,
                "client.unmerged",
                actor,
                changes={"merged_into": [f"{survivor.full_name} (#{survivor.id})", None]},
                at=now,
            )
        _refresh_derived([survivor.id, *(m.client_id for m in members)])
        changes = {
            field: [merged_values[field], restored[field]]
            for field in restored
            if merged_values[field] != restored[field]
        }
        changes["merged_profiles"] = [
            ", ".join(f"{profiles[m.client_id].full_name} (#{m.client_id})" for m in members),
            None,
        ]
        event = record(
            survivor, "client.merge_undone", actor, subject=merge, changes=changes, at=now
        )
        merge.undone_at, merge.undone_by_id = now, actor.id
        # An earlier merge into the survivor may still be undone.
        survivor.last_merged_at = db.session.scalar(
            select(func.max(Merge.created_at)).where(
                Merge.survivor_id == survivor.id, Merge.undone_at.is_(None), Merge.id != merge.id
            )
        )
        db.session.flush()
        event.client_version = survivor.version
    return merge


def may_still_undo(client) -> bool:
    """Whether a merge into this profile may still be undone, from its row alone."""
    merged_at = client.last_merged_at
    return merged_at is not None and utcnow() - merged_at <= timedelta(days=UNDO_MERGE_DAYS)


def recent_merges(survivor_id: int, limit: int = 5) -> list:
    """The merges that made this profile, newest first, that may still be undone."""
    since = utcnow() - timedelta(days=UNDO_MERGE_DAYS)
    return list(
        db.session.execute(
            select(Merge.id, Merge.created_at)
            .where(
                Merge.survivor_id == survivor_id,
                Merge.undone_at.is_(None),
                Merge.created_at >= since,
            )
            .order_by(Merge.created_at.desc())
            .limit(limit)
        )
    )


def what_moves(client_ids: list[int]) -> dict[int, list[str]]:
    """Per profile, what a merge would move, in words ("12 notes", "3 sessions"): one
    grouped count per table that points at clients."""
    counts: dict[int, list[str]] = {client_id: [] for client_id in client_ids}
    for reference in moved_references():
        column = reference.table.c[reference.column]
        if reference.table.name not in ROW_WORDS:
            continue
        for client_id, count in db.session.execute(
            select(column, func.count()).where(column.in_(client_ids)).group_by(column)
        ):
            counts[client_id].append(rows_in_words(reference.table.name, count))
    return counts
