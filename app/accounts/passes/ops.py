"""Writes of passes: "Add pass" links a number to the client, "Replace pass" ends the
old one and links the new number, each in one transaction recorded on the timeline; a
number in use by anyone is refused (PassRefused)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import Permission, can
from app.core.timeline import record
from app.models import Client, utcnow
from app.models.accounts import Pass

NUMBER_TAKEN = "This number belongs to another client's pass."
DEFAULT_END_REASON = "Lost"


def normalize_number(text: str | None) -> str:
    """The number as stored and compared: trimmed and upper-cased."""
    return (text or "").strip().upper()


class PassRefused(Exception):
    """A pass that cannot be added or replaced; the message is for staff, beside `field`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def may_manage_passes(actor, client) -> bool:
    """Passes change for staff who edit clients, on a client neither in the trash (nor
    merged away) nor erased; a lock on the details does not cover them."""
    return can(actor, Permission.EDIT_CLIENTS) and client.takes_new_records


def _writable_client(client_id: int, actor) -> Client:
    if not can(actor, Permission.EDIT_CLIENTS):
        raise PermissionError("passes are not allowed for this staff member")
    client = db.session.get(Client, client_id, with_for_update=True)
    if client is None or not client.takes_new_records:
        raise LookupError(client_id)
    return client


def _refuse_if_in_use(number: str, client_id: int) -> None:
    holder = db.session.scalar(
        select(Pass.client_id).where(Pass.number == number, Pass.ended_at.is_(None))
    )
    if holder is None:
        return
    if holder == client_id:
        raise PassRefused("number", "This client already has a pass with this number.")
    raise PassRefused("number", NUMBER_TAKEN)


def add_pass(client_id: int, number: str, actor) -> Pass:
    """Link a card or key tag to the client. LookupError for a client who is gone (or in
    the trash); PassRefused when the number is in use."""
    number = normalize_number(number)
    try:
        with write_transaction():
            client = _writable_client(client_id, actor)
            _refuse_if_in_use(number, client.id)
            card = Pass(client_id=client.id, number=number, created_by_id=actor.id)
            db.session.add(card)
            db.session.flush()
            record(
                client, "pass.added", actor, subject=card, changes={"pass_number": [None, number]}
            )
    except IntegrityError as error:
        # Another staff member added the same number at the same moment.
        raise PassRefused("number", NUMBER_TAKEN) from error
    return card


def replace_pass(client_id: int, pass_id: int, number: str, reason: str | None, actor) -> Pass:
    """End the client's pass `pass_id` (lost, damaged: it stops finding the client) and
    link the new number in its place, in one transaction."""
    number = normalize_number(number)
    reason = (reason or "").strip() or DEFAULT_END_REASON
    try:
        with write_transaction():
            client = _writable_client(client_id, actor)
            old = db.session.scalar(
                select(Pass)
                .where(Pass.id == pass_id, Pass.client_id == client.id)
                .execution_options(populate_existing=True)
            )
            if old is None:
                raise LookupError(pass_id)
            if old.ended_at is not None:
                raise PassRefused("number", "This pass was replaced already.")
            if number == old.number:
                raise PassRefused("number", "Type the new pass's number, not the old one's.")
            _refuse_if_in_use(number, client.id)
            old.ended_at, old.end_reason = utcnow(), reason
            card = Pass(client_id=client.id, number=number, created_by_id=actor.id)
            db.session.add(card)
            db.session.flush()
            record(
                client,
                "pass.replaced",
                actor,
                subject=card,
                changes={"pass_number": [old.number, number], "end_reason": [None, reason]},
            )
    except IntegrityError as error:
        raise PassRefused("number", NUMBER_TAKEN) from error
    return card
