"""Reads for data-rights requests: a client's own, and the staff queue."""

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.models import Client, DataRequest, StaffMember

CLIENT_PAGE_SIZE = 20
QUEUE_OPEN_LIMIT = 200
QUEUE_DECIDED_LIMIT = 50


def requests_of(client_id: int, limit: int = CLIENT_PAGE_SIZE) -> list[DataRequest]:
    """A client's requests, newest first (one query)."""
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.client_id == client_id)
            .order_by(DataRequest.created_at.desc(), DataRequest.id.desc())
            .limit(limit)
        )
    )


def _queue_select():
    decider = aliased(StaffMember)
    return (
        select(DataRequest, Client, decider.name.label("decided_by"))
        .join(Client, Client.id == DataRequest.client_id)
        .outerjoin(decider, decider.id == DataRequest.decided_by_id)
    )


def queue() -> tuple[list, list]:
    """(open requests, oldest first; recently decided ones, newest first): two queries
    whatever the number of requests, each row with its client and who decided it."""
    open_rows = db.session.execute(
        _queue_select()
        .where(DataRequest.status == "open")
        .order_by(DataRequest.created_at, DataRequest.id)
        .limit(QUEUE_OPEN_LIMIT)
    ).all()
    decided_rows = db.session.execute(
        _queue_select()
        .where(DataRequest.status != "open")
        .order_by(
            case((DataRequest.decided_at.is_(None), 1), else_=0),
            DataRequest.decided_at.desc(),
            DataRequest.id.desc(),
        )
        .limit(QUEUE_DECIDED_LIMIT)
    ).all()
    return open_rows, decided_rows


def queue_row(request_id: int):
    return db.session.execute(_queue_select().where(DataRequest.id == request_id)).first()
