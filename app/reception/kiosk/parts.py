"""What the kiosk adds to the rest of the app: its timeline verb, and its calls to
reception in the one-client export and the erasure. (A merge moves them to the
surviving profile by itself: kiosk_help_requests points at clients with a one-column key.)"""

from sqlalchemy import delete, select

from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.extensions import db
from app.models import KioskHelpRequest
from app.reception.kiosk.ops import HELP_REASONS

KIOSK_VERBS = {"kiosk.asked_for_help": "Sent to reception by the kiosk"}


def _export_help_requests(client) -> list[dict]:
    rows = db.session.scalars(
        select(KioskHelpRequest)
        .where(KioskHelpRequest.client_id == client.id)
        .order_by(KioskHelpRequest.created_at, KioskHelpRequest.id)
    ).all()
    return [
        {
            "reason": HELP_REASONS.get(row.reason, row.reason),
            "at": row.created_at.isoformat(),
            "seen_at": row.seen_at.isoformat() if row.seen_at else None,
        }
        for row in rows
    ]


KIOSK_HELP_REQUESTS_EXPORT = ExportSection(
    "kiosk_help_requests", _export_help_requests, tables=("kiosk_help_requests",)
)


def _erase_help_requests(client) -> None:
    """The kiosk's calls to reception about this person go."""
    db.session.execute(delete(KioskHelpRequest).where(KioskHelpRequest.client_id == client.id))


KIOSK_HELP_REQUESTS_ERASURE = ErasureStep(
    "kiosk_help_requests", _erase_help_requests, tables=("kiosk_help_requests",)
)
