"""What sessions tell the other areas: one event for every change to a session, published
with its timeline event in the same transaction (credits redeem or give back, mail
queues the client's email). The event carries what a listener needs to know of the
session before the change, so no listener reads the booking's unflushed ORM history.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect

from app.core.events import publish
from app.core.extensions import db
from app.core.timeline import record
from app.models import Booking, Client


@dataclass(frozen=True)
class SessionRecorded:
    verb: str  # the timeline's: "session.booked", "session.cancelled_late", ...
    client: Client
    booking: Booking
    actor: object
    at: datetime
    status_before: str | None  # None: the booking is new in this transaction
    starts_at_before: datetime | None  # set when this transaction moved the session


def _before(booking: Booking, attribute: str):
    """The value the attribute had before this transaction changed it (None if unchanged
    or new)."""
    history = inspect(booking).attrs[attribute].history
    return history.deleted[0] if history.deleted else None


def record_session(client: Client, verb: str, actor, booking: Booking, *, changes=None, at=None):
    """The session's timeline event, then its SessionRecorded to the areas that listen."""
    status_before = _before(booking, "status")
    starts_at_before = _before(booking, "starts_at")
    entry = record(client, verb, actor, subject=booking, changes=changes, at=at)
    event = SessionRecorded(
        verb, client, booking, actor, entry.occurred_at, status_before, starts_at_before
    )
    # A listener's query must not flush the session before the next listener runs:
    # each writes only in this transaction, and the counts they assert hold.
    with db.session.no_autoflush:
        publish(event)
    return entry
