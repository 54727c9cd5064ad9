"""The row locks a client write takes before it checks the rules: the client's row
re-read under a lock, or the client a note or alert belongs to, with DeletedMeanwhile when
the record was deleted after the page that shows it was loaded."""

from sqlalchemy import inspect, select

from app.core.extensions import db
from app.models import Client


def lock_row(client: Client) -> None:
    # Re-read under a row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE holds one already)
    # so the checks below see what concurrent writers committed.
    db.session.refresh(client, with_for_update=True)


class DeletedMeanwhile(LookupError):
    """The note, alert or label was deleted after the page that shows it was loaded: by
    a colleague, or with the client's erasure. Nothing was written."""

    def __init__(self, record):
        self.kind = type(record).__name__.lower()  # "note", "alert", "label"
        super().__init__(f"this {self.kind} was deleted meanwhile")


def lock_client_of(record) -> Client:
    """Lock the client a note or alert belongs to (writers to one client queue behind each
    other) and re-read the record as it is now; DeletedMeanwhile when it is gone."""
    model, (record_id,) = type(record), inspect(record).identity

    def reread():
        # The same object, refreshed (populate_existing), or None once the row is gone.
        found = db.session.scalar(
            select(model).where(model.id == record_id).execution_options(populate_existing=True)
        )
        if found is None:
            raise DeletedMeanwhile(record)
        return found

    client = db.session.get(Client, reread().client_id, with_for_update=True)
    reread()  # a writer we queued behind may have deleted it
    return client
