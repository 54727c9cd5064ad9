"""What the pages say about merges: what a merge of some profiles would move, in words,
and the merges into a profile that may still be undone (the Overview card's)."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.row_words import ROW_WORDS, rows_in_words
from app.data.merge_coverage import moved_references
from app.models import UNDO_MERGE_DAYS, Merge, utcnow


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
