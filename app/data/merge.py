"""Merge two or three client profiles into one: who may take part, whose value stays
for each field, and the merge itself, in one transaction. Which tables it moves is in
merge_coverage.py; its undo, within UNDO_MERGE_DAYS, in merge_undo.py.

Every moved row's primary key is kept on the merge record (MergedClient.moved), so an
undo puts exactly those rows back, and can tell which of them changed since.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from app.core.database import write_transaction
from app.core.events import publish
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import (
    jsonable,
    record,
)
from app.data.merge_coverage import LABELS, Reference, moved_references, refresh_derived
from app.data.merge_errors import MergeRefused, StaleProfiles
from app.models import EDITABLE_FIELDS, Client, Merge, MergedClient, client_labels, utcnow

MAX_PROFILES = 3  # the survivor and up to two others

MERGE_VERBS = {
    "client.merged": "Profiles merged",
    "client.merged_into": "Merged into another profile",
    "client.merge_undone": "Merge undone",
    "client.unmerged": "Brought back by undoing a merge",
}
MERGE_FIELD_LABELS = {"merged_profiles": "Merged profiles", "merged_into": "Merged into"}


@dataclass(frozen=True)
class ProfileMergedInto:
    """A profile was merged into the survivor (its rows already moved), in the merge's
    transaction: what an area that keeps one row per client decides about its own."""

    merged: Client
    survivor_id: int
    actor: object
    at: datetime


# --- who may merge ---------------------------------------------------------------------


def mergeable_problem(actor, client: Client) -> str | None:
    """Why this profile cannot take part in a merge by this staff member, or None."""
    if client.is_merged:
        return f"{client.full_name} was already merged into another profile."
    if client.is_erased:
        return "An erased profile cannot be merged."
    if client.deleted_at is not None:
        return f"{client.full_name} is in the trash: restore the profile first."
    from app.clients.api import may_merge

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


def lock_profiles(ids: list[int]) -> dict[int, Client]:
    """The profiles, re-read under row locks in id order (two merges never deadlock)."""
    rows = db.session.scalars(
        select(Client)
        .where(Client.id.in_(ids))
        .order_by(Client.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {client.id: client for client in rows}


def profile_fields(client: Client) -> dict:
    return {field: jsonable(getattr(client, field)) for field in EDITABLE_FIELDS}


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


def _others_to_merge(survivor_id: int, other_ids: list[int], actor) -> list[int]:
    """The other profiles' ids, each once; refused unless this staff member may merge
    and there are one or two of them."""
    if not can(actor, Permission.MERGE_CLIENTS):
        raise PermissionError("merging clients is not allowed for this staff member")
    other_ids = [i for i in dict.fromkeys(other_ids) if i != survivor_id]
    if not 1 <= len(other_ids) <= MAX_PROFILES - 1:
        raise MergeRefused(f"Choose two or three profiles to merge (at most {MAX_PROFILES}).")
    return other_ids


def _check_profiles(
    profiles: dict[int, Client], survivor_id: int, other_ids: list[int], actor, versions
) -> tuple[Client, list[Client]]:
    """The survivor and the others, once each (locked) may take part and none changed
    since the staff member looked at it."""
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
    return survivor, others


def _take_chosen_values(
    survivor: Client, others: list[Client], profiles: dict[int, Client], choices: dict
) -> tuple[dict, dict]:
    """Give the survivor each field's chosen value; its values before, and the choices."""
    chosen = default_choices(survivor, others) | {
        field: source
        for field, source in choices.items()
        if field in EDITABLE_FIELDS and source in profiles
    }
    before = profile_fields(survivor)
    for field, source in chosen.items():
        setattr(survivor, field, getattr(profiles[source], field))
    return before, chosen


def _start_merge_record(survivor: Client, before: dict, chosen: dict, actor, now) -> Merge:
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
    return merge


def _merge_into(other: Client, survivor: Client, references, actor, now) -> dict:
    """Move the other profile's rows to the survivor and mark it merged; the keys moved,
    per "table.column" (and the labels the survivor gained)."""
    moved = {
        reference.table.name + "." + reference.column: _move_rows(reference, other.id, survivor.id)
        for reference in references
    }
    moved[LABELS] = _unite_labels(other.id, survivor.id)
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
    publish(ProfileMergedInto(merged=other, survivor_id=survivor.id, actor=actor, at=now))
    return moved


def _record_merge(merge: Merge, survivor: Client, members, before: dict, actor, now) -> None:
    """The survivor's event, with what changed, and the merge's record of each member
    (the versions the merge leaves)."""
    others = [other for other, _moved in members]
    refresh_derived([survivor.id])
    after = profile_fields(survivor)
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
    other_ids = _others_to_merge(survivor_id, other_ids, actor)
    references = moved_references()
    with write_transaction():
        profiles = lock_profiles([survivor_id, *other_ids])
        survivor, others = _check_profiles(profiles, survivor_id, other_ids, actor, versions)
        before, chosen = _take_chosen_values(survivor, others, profiles, choices)
        now = utcnow()
        survivor.updated_at, survivor.updated_by_id = now, actor.id
        survivor.last_merged_at = now
        merge = _start_merge_record(survivor, before, chosen, actor, now)
        members = [
            (other, _merge_into(other, survivor, references, actor, now)) for other in others
        ]
        _record_merge(merge, survivor, members, before, actor, now)
    return merge
