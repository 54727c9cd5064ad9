"""Reads for the outbox and the Messages tab: keyset pages on (created_at, id), newest
first, without the bodies (a page costs one query whatever the table holds)."""

from sqlalchemy import Integer, bindparam, select, tuple_

from app.core.extensions import db
from app.core.paging import Page, decode_cursor, encode_cursor
from app.models import EMAIL_STATUSES, OutgoingEmail

MESSAGES_PAGE_SIZE = 20
OUTBOX_PAGE_SIZE = 50
# The outbox's filter: value in the URL -> what staff read.
OUTBOX_FILTERS = {"": "All", **EMAIL_STATUSES}

_LISTED = (
    OutgoingEmail.id,
    OutgoingEmail.client_id,
    OutgoingEmail.to_address,
    OutgoingEmail.to_name,
    OutgoingEmail.subject,
    OutgoingEmail.kind,
    OutgoingEmail.status,
    OutgoingEmail.attempts,
    OutgoingEmail.last_error,
    OutgoingEmail.created_at,
    OutgoingEmail.sent_at,
)


def _page(statement, after: str | None, limit: int) -> Page:
    if after:
        moment, email_id = decode_cursor(after)  # ValueError for a cursor we did not make
        statement = statement.where(
            tuple_(OutgoingEmail.created_at, OutgoingEmail.id) < tuple_(moment, email_id)
        )
    statement = statement.order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    rows = db.session.execute(statement.limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(rows=rows[:limit], next_cursor=next_cursor)


_FIRST_MESSAGES = (
    select(*_LISTED)
    .where(OutgoingEmail.client_id == bindparam("client_id"))
    .order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


def messages_page(client_id: int, after: str | None = None, limit: int = MESSAGES_PAGE_SIZE):
    """A client's emails, newest first."""
    if not after:  # the tab as it opens: one statement built once
        rows = db.session.execute(
            _FIRST_MESSAGES, {"client_id": client_id, "limit": limit + 1}
        ).all()
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id)
        return Page(rows=rows[:limit], next_cursor=next_cursor)
    return _page(select(*_LISTED).where(OutgoingEmail.client_id == client_id), after, limit)


def outbox_page(status: str = "", after: str | None = None, limit: int = OUTBOX_PAGE_SIZE):
    """Every email, newest first; `status` one of EMAIL_STATUSES or "" for all."""
    statement = select(*_LISTED)
    if status:
        statement = statement.where(OutgoingEmail.status == status)
    return _page(statement, after, limit)
