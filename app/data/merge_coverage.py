"""Which tables a merge moves, found from the database metadata, not listed here: every
table with a foreign key to clients is moved to the survivor, unless it is
- a per-client table that an area derives from the others (client_session_counts):
  the area's manifest says how to recompute it (merge_derived) and both sides are
  recomputed after the merge and after its undo (refresh_derived);
- handled by a rule of its own (client_labels: the labels are united, in merge.py);
- one of the tables an area's manifest lists in merge_stays, with the reason it stays.
A table that is in none of these (say, one a later area adds with a two-column primary
key) stops the merge with an error and fails tests/data/test_merge.py: the merge never
silently leaves a client's rows behind.
"""

from dataclasses import dataclass

from sqlalchemy import Table

from app.core.extensions import db
from app.core.merging import MERGE_DERIVED, MERGE_STAYS
from app.data.merge_errors import MergeRefused
from app.models import Base, Client

# The data area's own tables that point at clients and do not move, and why.
DATA_STAYS = {
    "merges": "the merge's own record",
    "merged_clients": "the merge's own record",
    "not_duplicates": "a pair is about two profiles; it matters again if the merge is undone",
    "imported_clients": "what an import did stays with the profile it touched; a revert "
    "finds a merged profile changed since",
}
LABELS = "client_labels"  # united by a rule of its own, not moved
STAYS = MERGE_STAYS  # every area's, from the manifests
_DERIVED = MERGE_DERIVED


def refresh_derived(client_ids: list[int]) -> None:
    from app.clients.api import refresh_alert_severity

    for client_id in client_ids:
        for refresh in _DERIVED.values():
            refresh(client_id)
        refresh_alert_severity(db.session.get(Client, client_id))


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
        if name in STAYS or name in _DERIVED or name == LABELS:
            continue
        if len(reference.table.primary_key.columns) != 1:
            raise MergeRefused(
                f"The merge does not know how to move the table {name}: "
                "it needs a rule in app/data/merge_coverage.py."
            )
        moved.append(reference)
    return moved


def uncovered_tables() -> set[str]:
    """Tables pointing at clients that the merge neither moves, derives, nor keeps."""
    covered = set(STAYS) | set(_DERIVED) | {LABELS}
    return {
        reference.table.name
        for reference in client_references()
        if reference.table.name not in covered and len(reference.table.primary_key.columns) != 1
    }
