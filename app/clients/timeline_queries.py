"""Reads for the Activity tab: a page of the client's timeline, newest first."""

from sqlalchemy import and_, select, tuple_

from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.models import Activity, StaffMember


def timeline_page(
    client_id: int, before: str | None = None, limit: int = 25, verbs: tuple[str, ...] = ()
) -> Page:
    """Events newest first, keyset-paged on (occurred_at, id): ties neither repeat nor vanish.

    `verbs` keeps only those events (the Activity tab's filters)."""
    statement = (
        select(Activity, StaffMember.name.label("actor_name"))
        .outerjoin(
            StaffMember,
            and_(Activity.actor_type == "staff", StaffMember.id == Activity.actor_id),
        )
        .where(Activity.client_id == client_id)
    )
    if verbs:
        statement = statement.where(Activity.verb.in_(verbs))
    if before:
        moment, activity_id = decode_cursor(before)
        # A row-value comparison lets the index seek straight to the cursor; the
        # equivalent OR makes both databases walk every newer event first.
        statement = statement.where(
            tuple_(Activity.occurred_at, Activity.id) < tuple_(moment, activity_id)
        )
    rows = db.session.execute(
        statement.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit + 1)
    ).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1].Activity
        next_cursor = encode_cursor(last.occurred_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)
