"""What passes add to the rest of the app: the timeline's words for their fields, the
pass finder (reception's quick find and the client list's search), the Account tab's
Passes section, the pass on the client page as a QR code, the passes' section of the
one-client export, and their place among the tables an erasure scrubs."""

import segno
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.accounts.passes.ops import may_manage_passes
from app.accounts.passes.queries import active_pass_number, find_by_pass, passes_of
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import ClientFinder, OverviewCard
from app.models.accounts import Pass

PASS_FIELD_LABELS = {"pass_number": "Pass number", "end_reason": "Reason"}


# --- the finder: reception's quick find and the client list's search ----------------

PASS_FINDER = ClientFinder("pass", find_by_pass, queries=1)


# --- the Account tab's Passes section -----------------------------------------------


def passes_part(client, add_form=None, replace_form=None, replacing=None) -> dict:
    """What the Passes section draws: one query."""
    return {
        "client_id": client.id,
        "passes": passes_of(client.id),
        "may_edit": may_manage_passes(current_user, client),
        "add_form": add_form,
        "replace_form": replace_form,
        "replacing": replacing,
    }


# --- the client page: the pass as a QR code -----------------------------------------


def pass_qr_svg(number: str) -> Markup:
    """An inline SVG QR code of the number (drawn here, no image requested elsewhere)."""
    code = segno.make(number, error="m", micro=False)
    svg = code.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True)
    # segno writes the SVG from the code's modules alone: no text of ours is in it.
    return Markup(svg)  # noqa: S704


def _client_pass(client) -> dict:
    number = active_pass_number(client.id)
    return {"number": number, "qr": pass_qr_svg(number) if number else None}


CLIENT_PASS_CARD = OverviewCard(
    "client-pass",
    None,  # the client page's only
    order=5,
    client_facing=True,
    client_template="accounts/_client_pass.html",
    client_load=_client_pass,
    client_queries=1,
)


# --- the one-client export ----------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _export_passes(client) -> list[dict]:
    passes = db.session.scalars(
        select(Pass).where(Pass.client_id == client.id).order_by(Pass.created_at, Pass.id)
    ).all()
    return [
        {
            "number": row.number,
            "added_at": _iso(row.created_at),
            "ended_at": _iso(row.ended_at),
            "end_reason": row.end_reason,
        }
        for row in passes
    ]


PASSES_EXPORT = ExportSection("passes", _export_passes, tables=("passes",))


PASS_ROW_WORDS = {"passes": ("pass", "passes")}
