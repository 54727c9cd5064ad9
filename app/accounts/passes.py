"""Passes: a physical membership card or key tag whose number finds the client.

"Add pass" links a number to the client; "Replace pass" ends a lost or damaged one (its
number stops finding anyone) and links the new one. A number is stored upper-cased, so
it is compared whatever case it is typed or scanned in; among the passes in use it is
unique (the partial unique index uq_passes_number_in_use holds that even for two staff
adding the same number at once).
"""

import re

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.accounts import bp, queries
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.forms import Form
from app.core.htmx import is_fragment_request, render_page
from app.core.parts import register_client_finder
from app.core.permissions import Permission, can, requires
from app.core.timeline import AUDIT_FIELD_LABELS, record
from app.core.validators import no_control_characters
from app.models import Client, utcnow
from app.models.accounts import ACCOUNT_REASON_MAX_LENGTH, PASS_NUMBER_MAX_LENGTH, Pass

PASS_NUMBER_MIN_LENGTH = 4
# Letters, digits and dashes, as printed on cards and key tags (ASCII only: a scanner
# types nothing else, and "٣" or "²" are not the digits they look like).
_PASS_NUMBER = re.compile(r"[A-Za-z0-9-]+")
NUMBER_TAKEN = "This number belongs to another client's pass."
DEFAULT_END_REASON = "Lost"

AUDIT_FIELD_LABELS.update({"pass_number": "Pass number", "end_reason": "Reason"})


def normalize_number(text: str | None) -> str:
    """The number as stored and compared: trimmed and upper-cased."""
    return (text or "").strip().upper()


class PassRefused(Exception):
    """A pass that cannot be added or replaced; the message is for staff, beside `field`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- forms --------------------------------------------------------------------------


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _pass_number(_form, field):
    if not isinstance(field.data, str):
        return
    if not _PASS_NUMBER.fullmatch(field.data):
        raise ValidationError("Use only letters, digits and dashes.")


def _number_field(label: str):
    return StringField(
        label,
        validators=[
            DataRequired("Type or scan the pass's number."),
            Length(
                min=PASS_NUMBER_MIN_LENGTH,
                max=PASS_NUMBER_MAX_LENGTH,
                message=f"Use {PASS_NUMBER_MIN_LENGTH} to {PASS_NUMBER_MAX_LENGTH} characters.",
            ),
            _pass_number,
        ],
        filters=[_strip],
    )


class AddPassForm(Form):
    number = _number_field("Pass number")


class ReplacePassForm(Form):
    number = _number_field("New pass number")
    reason = StringField(
        "Reason",
        default=DEFAULT_END_REASON,
        validators=[
            Optional(),
            Length(
                max=ACCOUNT_REASON_MAX_LENGTH,
                message=f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters.",
            ),
            no_control_characters,
        ],
        filters=[_strip],
    )


# --- ops ----------------------------------------------------------------------------


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


# --- the finder: reception's quick find and the client list's search ----------------


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


register_client_finder("pass", find_by_pass, queries=1)


# --- routes -------------------------------------------------------------------------


def _passes_response(client_id: int, status: int = 200, **forms):
    """The Account tab's Passes section (htmx swaps it in place); without htmx the whole
    Account tab, or after a success a redirect to it."""
    if status == 200 and not forms and not is_fragment_request():
        return redirect(url_for("accounts.account_tab", client_id=client_id), 303)
    if not is_fragment_request():
        from app.core.profile_shell import render_profile_tab

        return render_profile_tab(client_id, "account", status=status, pass_forms=forms)
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    return render_page(
        "accounts/passes.html",
        "passes_section",
        status=status,
        client=client,
        passes_part=passes_part(client, **forms),
    )


def passes_part(client, add_form=None, replace_form=None, replacing=None) -> dict:
    """What the Passes section draws: one query."""
    return {
        "client_id": client.id,
        "passes": queries.passes_of(client.id),
        "may_edit": may_manage_passes(current_user, client),
        "add_form": add_form,
        "replace_form": replace_form,
        "replacing": replacing,
    }


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or not may_manage_passes(current_user, client):
        abort(404)
    return client


@bp.get("/clients/<id:client_id>/passes/new")
@requires(Permission.EDIT_CLIENTS)
def new_pass(client_id: int):
    _client_or_404(client_id)
    return _passes_response(client_id, add_form=AddPassForm())


@bp.post("/clients/<id:client_id>/passes")
@requires(Permission.EDIT_CLIENTS)
def add_pass_route(client_id: int):
    _client_or_404(client_id)
    form = AddPassForm()
    if form.validate():
        try:
            add_pass(client_id, form.number.data, current_user)
        except LookupError:
            abort(404)
        except PassRefused as refused:
            form.number.errors = [str(refused)]
        else:
            return _passes_response(client_id)
    return _passes_response(client_id, 422, add_form=form)


def _pass_of_or_404(client_id: int, pass_id: int) -> Pass:
    card = db.session.get(Pass, pass_id)
    if card is None or card.client_id != client_id:
        abort(404)
    return card


@bp.get("/clients/<id:client_id>/passes/<id:pass_id>/replace")
@requires(Permission.EDIT_CLIENTS)
def replace_pass_form(client_id: int, pass_id: int):
    _client_or_404(client_id)
    card = _pass_of_or_404(client_id, pass_id)
    if card.ended_at is not None:
        return _passes_response(client_id)
    return _passes_response(client_id, replace_form=ReplacePassForm(), replacing=pass_id)


@bp.post("/clients/<id:client_id>/passes/<id:pass_id>/replace")
@requires(Permission.EDIT_CLIENTS)
def replace_pass_route(client_id: int, pass_id: int):
    _client_or_404(client_id)
    _pass_of_or_404(client_id, pass_id)
    form = ReplacePassForm()
    if form.validate():
        try:
            replace_pass(client_id, pass_id, form.number.data, form.reason.data, current_user)
        except LookupError:
            abort(404)
        except PassRefused as refused:
            form.number.errors = [str(refused)]
        else:
            return _passes_response(client_id)
    return _passes_response(client_id, 422, replace_form=form, replacing=pass_id)
