"""What data-rights requests add to the rest of the app: the timeline's verbs, the
one-client export's section, the erasure's step and the "Your data" card of the client
page. A merge moves the requests to the survivor like any table that points at clients
(app/data/merge.py finds them from the metadata): they are the person's, whichever
profile keeps their details."""

from sqlalchemy import delete, select

from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import OverviewCard
from app.models import DataRequest

REQUEST_VERBS = {
    "request.made": "Data request made",
    "request.approved": "Data request approved",
    "request.declined": "Data request declined",
    "request.downloaded": "Data downloaded by the client",
}
REQUEST_FIELD_LABELS = {
    "request": "Request",
    "request_reason": "Reason or note",
    "applied_fields": "Fields changed",
}


def _iso(value):
    return value.isoformat() if value is not None else None


def _export_requests(client) -> list[dict]:
    rows = db.session.scalars(
        select(DataRequest)
        .where(DataRequest.client_id == client.id)
        .order_by(DataRequest.created_at, DataRequest.id)
    ).all()
    return [
        {
            "kind": row.kind,
            "status": row.status,
            "asked_at": _iso(row.created_at),
            "decided_at": _iso(row.decided_at),
            "reason": row.decision_reason,
        }
        for row in rows
    ]


DATA_REQUESTS_EXPORT = ExportSection("data_requests", _export_requests, tables=("data_requests",))


def _erase_requests(client) -> None:
    """The requests go: what was asked and decided stays in the timeline, without the
    values it quoted."""
    db.session.execute(delete(DataRequest).where(DataRequest.client_id == client.id))


DATA_REQUESTS_ERASURE = ErasureStep("data_requests", _erase_requests, tables=("data_requests",))


def _your_data(client) -> dict:
    from app.portal.requests.queries import requests_of

    return {"data_requests": requests_of(client.id)}


# The client page's "Your data": the three requests a client can make, and theirs.
DATA_REQUESTS_CARD = OverviewCard(
    "data-requests",
    None,
    order=900,
    client_facing=True,
    client_template="portal/requests/_card.html",
    client_load=_your_data,
    client_queries=1,
)
