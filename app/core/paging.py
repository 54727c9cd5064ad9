"""Keyset paging: a page of rows and the cursor to the next one, encoded so a cursor we
did not make is refused."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.core.paths import parse_id


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    labels: dict = field(default_factory=dict)  # client id -> [LabelBadge] (client list)
    # client id -> [app.core.parts.Badge]: what other areas show beside a name (membership)
    badges: dict = field(default_factory=dict)
    # The client an identifier typed or scanned whole names (a pass number), listed first.
    identified_id: int | None = None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


MICROSECOND = timedelta(microseconds=1)


def encode_cursor(occurred_at: datetime, activity_id: int) -> str:
    return f"{(occurred_at - EPOCH) // MICROSECOND}-{activity_id}"


_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,10})")  # ASCII digits, as encode_cursor writes


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ValueError for anything that is not a cursor we made."""
    match = _CURSOR.fullmatch(cursor)
    if not match:
        raise ValueError("not a timeline cursor")
    row_id = parse_id(match[2])
    if row_id is None:
        raise ValueError("timeline cursor out of range")
    try:
        return EPOCH + int(match[1]) * MICROSECOND, row_id
    except OverflowError as error:
        raise ValueError("timeline cursor out of range") from error
