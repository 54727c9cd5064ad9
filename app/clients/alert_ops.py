"""Writes to a client's alerts: add, edit, resolve, and the most severe open alert
kept on the client's row for the list's icon."""

from sqlalchemy import select

from app.clients.row_locks import lock_client_of, lock_row
from app.clients.rules import ProfileReadOnly, require_details_allowed
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.timeline import diff, record
from app.models import ALERT_SEVERITIES, Alert, Client, utcnow


def refresh_alert_severity(client: Client) -> None:
    """Keep the client's most severe open alert on the row, for the list's icon."""
    open_severities = set(
        db.session.scalars(
            select(Alert.severity).where(Alert.client_id == client.id, Alert.resolved_at.is_(None))
        )
    )
    client.alert_severity = next(
        (severity for severity in ALERT_SEVERITIES if severity in open_severities), None
    )


def add_alert(client: Client, severity: str, text: str, actor, at=None) -> Alert:
    with write_transaction():
        lock_row(client)
        require_details_allowed(actor, client)
        now = at or utcnow()
        alert = Alert(
            client_id=client.id,
            severity=severity,
            text=text,
            created_at=now,
            updated_at=now,
            created_by_id=actor.id,
        )
        db.session.add(alert)
        db.session.flush()
        refresh_alert_severity(client)
        # The severity only: an alert's text is as private as a note.
        record(
            client,
            "alert.added",
            actor,
            subject=alert,
            changes={"severity": [None, severity]},
            at=now,
        )
    return alert


def edit_alert(alert: Alert, severity: str, text: str, actor) -> bool:
    with write_transaction():
        client = lock_client_of(alert)
        require_details_allowed(actor, client)
        if alert.resolved_at is not None:
            raise ProfileReadOnly("a resolved alert cannot be edited")
        if (alert.severity, alert.text) == (severity, text):
            return False
        changes = diff({"severity": alert.severity}, {"severity": severity})
        alert.severity, alert.text, alert.updated_at = severity, text, utcnow()
        db.session.flush()
        refresh_alert_severity(client)
        record(client, "alert.edited", actor, subject=alert, changes=changes)
    return True


def resolve_alert(alert: Alert, actor) -> None:
    with write_transaction():
        client = lock_client_of(alert)
        require_details_allowed(actor, client)
        if alert.resolved_at is not None:
            return
        alert.resolved_at = utcnow()
        alert.resolved_by_id = actor.id
        db.session.flush()
        refresh_alert_severity(client)
        record(
            client,
            "alert.resolved",
            actor,
            subject=alert,
            changes={"severity": [alert.severity, None]},
        )
