"""The client's own sections of the one-client export: the profile, labels, notes,
alerts and the timeline (listed in app/clients/manifest.py)."""

from sqlalchemy import select

from app.core.export import ExportSection, iso, profile_values
from app.core.extensions import db
from app.models import (
    Activity,
    Alert,
    Client,
    Label,
    Note,
    StaffMember,
    client_labels,
)


def _staff_names() -> dict[int, str]:
    return dict(db.session.execute(select(StaffMember.id, StaffMember.name)).all())


def _labels(client: Client) -> list[str]:
    return db.session.scalars(
        select(Label.name)
        .join(client_labels, client_labels.c.label_id == Label.id)
        .where(client_labels.c.client_id == client.id)
        .order_by(Label.name_key)
    ).all()


def _notes(client: Client) -> list[dict]:
    names = _staff_names()
    notes = db.session.scalars(
        select(Note).where(Note.client_id == client.id).order_by(Note.created_at, Note.id)
    )
    return [
        {
            "text": note.body,
            "pinned": note.pinned,
            "author": names.get(note.author_id),
            "created_at": iso(note.created_at),
            "updated_at": iso(note.updated_at),
        }
        for note in notes
    ]


def _alerts(client: Client) -> list[dict]:
    alerts = db.session.scalars(
        select(Alert).where(Alert.client_id == client.id).order_by(Alert.created_at, Alert.id)
    )
    return [
        {
            "severity": alert.severity,
            "text": alert.text,
            "created_at": iso(alert.created_at),
            "resolved_at": iso(alert.resolved_at),
        }
        for alert in alerts
    ]


def _timeline(client: Client) -> list[dict]:
    from app.core.timeline import VERB_LABELS

    names = _staff_names()
    events = db.session.scalars(
        select(Activity)
        .where(Activity.client_id == client.id)
        .order_by(Activity.occurred_at, Activity.id)
    )
    return [
        {
            "occurred_at": iso(event.occurred_at),
            "event": VERB_LABELS.get(event.verb, event.verb),
            "by": names.get(event.actor_id) if event.actor_type == "staff" else event.actor_type,
            "changes": event.changes,
        }
        for event in events
    ]


PROFILE_EXPORT = ExportSection("profile", profile_values, tables=("clients",))
LABELS_EXPORT = ExportSection("labels", _labels, tables=("client_labels", "labels"))
NOTES_EXPORT = ExportSection("notes", _notes, tables=("notes",))
ALERTS_EXPORT = ExportSection("alerts", _alerts, tables=("alerts",))
TIMELINE_EXPORT = ExportSection("timeline", _timeline, tables=("activities",))
