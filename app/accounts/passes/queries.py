"""Reads of passes: a client's passes for the Account tab, the number the client page
shows as a QR code, and the client a pass number finds (reception's quick find and the
client list's search). Each is one query."""

from sqlalchemy import case, select

from app.accounts.passes.ops import normalize_number
from app.core.extensions import db
from app.models import Client
from app.models.accounts import PASS_NUMBER_MAX_LENGTH, Pass


def passes_of(client_id: int) -> list[Pass]:
    """The client's passes: those in use first (oldest first), then the ended ones,
    latest ended first."""
    in_use = case((Pass.ended_at.is_(None), 0), else_=1)
    return list(
        db.session.scalars(
            select(Pass)
            .where(Pass.client_id == client_id)
            .order_by(in_use, Pass.ended_at.desc(), Pass.created_at, Pass.id)
        )
    )


def active_pass_number(client_id: int) -> str | None:
    """The number of the client's newest pass in use (the client page's QR code)."""
    return db.session.scalar(
        select(Pass.number)
        .where(Pass.client_id == client_id, Pass.ended_at.is_(None))
        .order_by(Pass.created_at.desc(), Pass.id.desc())
        .limit(1)
    )


def find_by_pass(text: str) -> int | None:
    """The live client whose pass in use has this number, typed or scanned; one query
    on the partial unique index (asked even for text that cannot be a number, so the
    search costs the same whatever is typed)."""
    return db.session.scalar(
        select(Pass.client_id)
        .join(Client, Client.id == Pass.client_id)
        .where(
            Pass.number == normalize_number(text)[:PASS_NUMBER_MAX_LENGTH],
            Pass.ended_at.is_(None),
            Client.deleted_at.is_(None),
        )
        .limit(1)
    )
