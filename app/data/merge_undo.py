"""Undo a merge within UNDO_MERGE_DAYS: what blocks it (a moved row changed or gone, the
survivor's details edited since, a member no longer part of it), and the undo itself,
which brings the merged profiles back with their own values and rows and gives the
survivor its values from before the merge.

The merge record keeps every moved row's primary key (MergedClient.moved), so an undo
puts exactly those rows back, and can tell which of them changed since.
"""

import json
from datetime import date, timedelta

from sqlalchemy import Integer, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.row_words import rows_in_words
from app.core.timeline import jsonable, record
from app.data.merge import lock_profiles, profile_fields
from app.data.merge_coverage import LABELS, Reference, refresh_derived
from app.data.merge_errors import MergeRefused, UndoBlocked
from app.models import UNDO_MERGE_DAYS, Base, Client, Merge, MergedClient, client_labels, utcnow

_CHUNK = 5000  # primary keys per statement (SQLite's limit on bound values is far above)


def undo_deadline(merge: Merge):
    return merge.created_at + timedelta(days=UNDO_MERGE_DAYS)


def _from_json(field: str, value):
    """A field's value as profile_fields() kept it, back in the column's type."""
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
    elif profile_fields(survivor) != _details_the_merge_left(merge, profiles):
        # The details, not the row's version: a lock (or any other write to the row)
        # bumps the version without editing a detail, and does not block the undo.
        blockers.append(f"{survivor.full_name}'s details were changed after the merge")
    for member in members:
        client = profiles.get(member.client_id)
        if client is None or client.merged_into_id != merge.survivor_id or client.is_erased:
            blockers.append(f"profile #{member.client_id} is no longer part of this merge")
            continue
        for name, keys in json.loads(member.moved).items():
            if name == LABELS:
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


def _bring_back(member: MergedClient, client: Client, survivor: Client, actor, now) -> None:
    """Put the member's moved rows back on it (and take the labels the survivor gained
    from it away), and bring the profile back out of the merge."""
    for name, keys in json.loads(member.moved).items():
        if name == LABELS:
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
        profiles = lock_profiles([merge.survivor_id, *(m.client_id for m in members)])
        from app.clients.api import may_pass_lock

        for client in profiles.values():
            if not may_pass_lock(actor, client):
                raise MergeRefused(f"{client.full_name}'s profile is locked.")
        blockers = undo_blockers(merge, members, profiles)
        if blockers:
            raise UndoBlocked(blockers)
        survivor = profiles[merge.survivor_id]
        now = utcnow()
        merged_values = profile_fields(survivor)
        restored = json.loads(merge.survivor_before)
        for field, value in restored.items():
            setattr(survivor, field, _from_json(field, value))
        survivor.updated_at, survivor.updated_by_id = now, actor.id
        for member in members:
            _bring_back(member, profiles[member.client_id], survivor, actor, now)
        refresh_derived([survivor.id, *(m.client_id for m in members)])
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
