"""Each row through the client form's rules, then what the import will do with it.

A row is checked with the client form itself (app/clients/forms.py ClientForm: the same
messages, the same phone, email and date rules) and its note with the note form. The
plan (create, update, skip, or fail with the reasons) is the same code for the
preview, a dry run, and for the import job, which plans each batch again inside its
own transaction.
"""

from dataclasses import dataclass, field
from functools import partial

from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from app.clients.api import ClientForm, ClientLimitReached, NoteForm, may_change_details
from app.core.extensions import db
from app.core.timeline import jsonable
from app.data.imports import phones
from app.data.imports.mapping import RowReader
from app.models import EDITABLE_FIELDS, FIELD_LABELS, Client

MATCH_KEYS = {
    "email": "Email",
    "phone": "Phone",
    "none": "None: every row is a new client",
}
ON_MATCH = {
    "skip": "Skip the row",
    "update": "Update the client with the file's values",
    "fill": "Fill only the client's empty fields",
}
ACTIONS = {"create": "Create", "update": "Update", "skip": "Skip", "error": "Error"}
# A value that fails its field's rules (a phone, a date, a country): the contact comes in
# without it and the value goes into a note on the client, or the whole row is skipped.
BAD_VALUES = {
    "note": "Keep the contact, note the bad value",
    "skip": "Skip the row",
}
_LOOKUP_CHUNK = 10_000  # keys per matching query (well inside every database's limits)
REPORT_EVERY = 250  # rows checked between two progress reports


def _known_choice(allowed: frozenset, field, _form) -> None:
    if field.data not in allowed:
        raise ValidationError(field.gettext("Not a valid choice."))


class ImportRowForm(ClientForm):
    """The client form, filled from a row instead of a request. Same fields, same rules;
    a country or language is looked up in a set instead of the list's 800 choices being
    walked for each of 10,000 rows."""

    class Meta:
        csrf = False

    def __init__(self):
        super().__init__(formdata=None)
        for select_field in (self.country, self.preferred_language):
            allowed = frozenset(value for value, _label in select_field.choices)
            select_field.pre_validate = partial(_known_choice, allowed, select_field)


class ImportNoteForm(NoteForm):
    class Meta:
        csrf = False


@dataclass
class CheckedRow:
    number: int
    cells: list[str]
    values: dict  # the fields the row gives (cleaned, as stored), empty cells left out
    note: str | None
    errors: list[str]
    # Values kept out of the client, into the note: (field label, text, why).
    set_aside: list[tuple[str, str, str]] = field(default_factory=list)
    key: str | None = None  # the match key's value (lower-case email, E.164 phone)
    unreadable: bool = False  # the reader could not read it (errors say why)

    @property
    def name(self) -> str:
        return " ".join(
            part for part in (self.values.get("first_name"), self.values.get("last_name")) if part
        )


class RowChecker:
    """Checks rows one after the other with one form (building the form is the slow part)."""

    def __init__(self, headers: list[str], mapping: list[str], bad_values: str = "note"):
        config = current_app.config
        self.keep_contacts = bad_values == "note"
        self.phone_region = config["DEFAULT_PHONE_REGION"]
        self.reader = RowReader(
            headers, mapping, config["BUSINESS_LOCALE"], config["DEFAULT_PHONE_REGION"]
        )
        self.form = ImportRowForm()
        self.note_form = ImportNoteForm(formdata=None)

    def check(self, number: int, cells: list[str]) -> CheckedRow:
        texts, note_lines = self.reader.read(cells)
        form = self.form
        form.process(MultiDict(texts))
        form.validate()
        self._doubt_phones(form, texts)
        errors, set_aside = [], []
        for name in EDITABLE_FIELDS:
            messages = form[name].errors
            if not messages or (name == "first_name" and not texts.get("first_name")):
                continue  # a first name is required only of a new client: the plan decides
            if self.keep_contacts and name != "first_name":
                label = FIELD_LABELS[name]
                set_aside.append((label, texts[name], messages[0]))
                note_lines.append(
                    f"From the import: {label.lower()} “{texts[name]}” was not kept: {messages[0]}"
                )
            else:
                errors += [f"{FIELD_LABELS[name]}: {message}" for message in messages]
        cleaned = form.values()
        kept_out = {name for name in EDITABLE_FIELDS if form[name].errors}
        values = {
            name: cleaned[name]
            for name in texts
            if name in cleaned and cleaned[name] and name not in kept_out
        }
        note = None
        if note_lines:
            note = "\n".join(note_lines)
            self.note_form.process(MultiDict({"body": note}))
            if not self.note_form.validate():
                errors += [f"Note: {message}" for message in self.note_form.body.errors]
        return CheckedRow(number, cells, values, note, errors, set_aside)

    def _doubt_phones(self, form, texts: dict) -> None:
        """A number the form read, but not as the file meant it (phones.doubt)."""
        country = form.country.data if not form.country.errors else None
        for name in ("phone", "whatsapp"):
            field = form[name]
            if field.errors or not getattr(field, "e164", None):
                continue
            why = phones.doubt(texts[name], field.e164, country, self.phone_region)
            if why:
                field.errors = [*field.errors, why]


def check_rows(
    table, mapping: list[str], match_key: str, progress=None, bad_values: str = "note"
) -> list[CheckedRow]:
    """Every row checked, and a row that repeats an earlier one (same match key, or
    the same values when nothing is matched) marked as a duplicate of it.
    `progress(done, total)`, when given, hears every REPORT_EVERY rows."""
    checker = RowChecker(table.headers, mapping, bad_values)
    checked = []
    total = len(table.rows)
    for number, cells in table.rows:
        row = checker.check(number, cells)
        if number in table.unreadable:
            row.errors, row.unreadable = [table.unreadable[number]], True
        checked.append(row)
        if progress is not None and len(checked) % REPORT_EVERY == 0:
            progress(len(checked), total)
    first_seen: dict = {}
    for row in checked:
        if row.unreadable:
            continue
        if match_key in ("email", "phone"):
            row.key = row.values.get(match_key)
            identity = row.key
            what = FIELD_LABELS[match_key].lower()
        else:
            identity = tuple(sorted((k, jsonable(v)) for k, v in row.values.items())) or None
            what = "values"
        if identity is None:
            continue
        if identity in first_seen:
            row.errors.append(f"Duplicate: the same {what} as row {first_seen[identity]:,}.")
        else:
            first_seen[identity] = row.number
    return checked


# --- the plan --------------------------------------------------------------------------


@dataclass
class PlannedRow:
    row: CheckedRow
    action: str  # create, update, skip, error
    errors: list[str] = field(default_factory=list)
    reason: str = ""  # why a row is skipped
    client: Client | None = None  # the client matched (update, skip)
    changes: dict = field(default_factory=dict)  # update: field -> [old, new]
    refused: bool = False  # over the client limit

    @property
    def number(self) -> int:
        return self.row.number


def find_matches(match_key: str, keys) -> dict[str, list[Client]]:
    """The clients (not deleted) whose email (any case) or phone (E.164) is one of
    `keys`: key -> clients. Emails compare lower-cased, as the client form stores them."""
    found: dict[str, list[Client]] = {}
    keys = sorted({key for key in keys if key})
    if match_key not in ("email", "phone") or not keys:
        return found
    column = func.lower(Client.email) if match_key == "email" else Client.phone
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys[start : start + _LOOKUP_CHUNK]
        for client in db.session.scalars(
            select(Client).where(column.in_(chunk), Client.deleted_at.is_(None)).order_by(Client.id)
        ):
            value = client.email.lower() if match_key == "email" else client.phone
            found.setdefault(value, []).append(client)
    return found


def client_room() -> int | None:
    """How many more clients MAX_CLIENTS allows now (None: no limit)."""
    limit = current_app.config.get("MAX_CLIENTS")
    if limit is None:
        return None
    active = db.session.scalar(
        select(func.count()).select_from(Client).where(Client.deleted_at.is_(None))
    )
    return max(0, limit - active)


class Planner:
    """Decides each row's fate. `room` is how many new clients the limit still allows;
    it counts down as rows are planned to be created."""

    def __init__(self, match_key: str, on_match: str, actor, matches: dict, room: int | None):
        self.match_key = match_key
        self.on_match = on_match
        self.actor = actor
        self.matches = matches
        self.room = room

    def plan(self, row: CheckedRow) -> PlannedRow:
        found = self.matches.get(row.key, []) if row.key else []
        errors = list(row.errors)
        if not found and not row.values.get("first_name") and not row.unreadable:
            # Only a new client needs one (the form's own message).
            errors.insert(0, "First name: Enter a first name.")
        if errors:
            # Refused anyway: the values that would have gone into the note are told too.
            errors += [f"{label}: {why}" for label, _text, why in row.set_aside]
            return PlannedRow(row, "error", errors)
        if found:
            return self._matched(row, found)
        if self.room is not None:
            if self.room <= 0:
                limit = current_app.config["MAX_CLIENTS"]
                return PlannedRow(row, "error", [str(ClientLimitReached(limit))], refused=True)
            self.room -= 1
        return PlannedRow(row, "create")

    def _matched(self, row: CheckedRow, found: list[Client]) -> PlannedRow:
        what = FIELD_LABELS[self.match_key].lower()
        client = found[0]
        if self.on_match == "skip":
            return PlannedRow(row, "skip", reason=f"Already a client ({what}).", client=client)
        if len(found) > 1:
            return PlannedRow(
                row,
                "error",
                [f"{len(found)} clients have this {what}: update them by hand."],
            )
        if not may_change_details(self.actor, client):
            return PlannedRow(row, "error", [f"{client.full_name}'s profile is locked."])
        changes = {}
        for name, value in row.values.items():
            current = getattr(client, name)
            if self.on_match == "fill" and current not in (None, ""):
                continue
            if current != value:
                changes[name] = [jsonable(current), jsonable(value)]
        if not changes and not row.note:
            return PlannedRow(row, "skip", reason="Nothing new for this client.", client=client)
        return PlannedRow(row, "update", client=client, changes=changes)


@dataclass
class Preview:
    rows: list[PlannedRow]
    counts: dict[str, int]
    refused: int


def preview(table, settings, actor, progress=None) -> Preview:
    """The dry run: what the import would do with every row now. Nothing is written."""
    checked = check_rows(table, settings.mapping, settings.match_key, progress, settings.bad_values)
    matches = find_matches(settings.match_key, (row.key for row in checked))
    planner = Planner(settings.match_key, settings.on_match, actor, matches, client_room())
    planned = [planner.plan(row) for row in checked]
    counts = dict.fromkeys(ACTIONS, 0)
    for row in planned:
        counts[row.action] += 1
    return Preview(planned, counts, sum(row.refused for row in planned))
