"""Reads for a client's alerts: the open ones the profile shows, most severe first,
and one alert for its editor."""

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.core.extensions import db
from app.models import Alert, Client, StaffMember

AlertAuthor = aliased(StaffMember)


def open_alerts(client: Client) -> list:
    """Unresolved alerts, most severe first. The client row says whether there are
    any, so a profile without alerts spends no query on them."""
    if client.alert_severity is None:
        return []
    rank = {"critical": 0, "warning": 1, "info": 2}
    rows = db.session.execute(
        select(Alert, AlertAuthor.name.label("author"))
        .outerjoin(AlertAuthor, AlertAuthor.id == Alert.created_by_id)
        .where(Alert.client_id == client.id, Alert.resolved_at.is_(None))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    ).all()
    return sorted(rows, key=lambda row: rank.get(row.Alert.severity, 3))


def alert(client_id: int, alert_id: int) -> Alert | None:
    return db.session.scalar(
        select(Alert).where(Alert.id == alert_id, Alert.client_id == client_id)
    )
