"""Timeline events written straight through the one writer, back-dated."""

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.timeline import record
from app.models import Client


def add_events(app, client_id, moments):
    """Back-dated events at the given moments (several may share one timestamp)."""
    with app.app_context(), write_transaction():
        client = db.session.get(Client, client_id)
        for index, moment in enumerate(moments):
            record(
                client,
                "client.updated",
                changes={"city": [f"c{index}", f"c{index + 1}"]},
                at=moment,
            )
