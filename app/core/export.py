"""Everything held about one client, for a data-subject request.

One document, built from sections: each area registers a function that returns what
it holds about the client (an area lists its `ExportSection`s in its manifest). A section
returns JSON-ready values; personal text is decrypted, as the person is entitled to it.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.core.registry import Registry
from app.models import (
    EDITABLE_FIELDS,
    FIELD_LABELS,
    Client,
)

EXPORT_VERSION = 1


@dataclass(frozen=True)
class ExportSection:
    name: str
    build: Callable[[Client], object]  # build(client) -> JSON-ready values
    # The tables the section reads: a table that points at clients and is in no section
    # is a gap in the export (tests/core/test_profile_parts.py fails on it).
    tables: tuple[str, ...] = ()


EXPORT_SECTIONS = Registry("export section")


def exported_tables() -> dict[str, tuple[str, ...]]:
    return {section.name: section.tables for section in EXPORT_SECTIONS.values()}


def iso(value):
    return value.isoformat() if value is not None else None


def profile_values(client: Client) -> dict:
    profile = {field: getattr(client, field) for field in EDITABLE_FIELDS}
    profile["birth_date"] = iso(client.birth_date)
    profile.update(
        id=client.id,
        created_at=iso(client.created_at),
        updated_at=iso(client.updated_at),
        online_booking=client.booking_policy,
        online_booking_reason=client.booking_policy_reason,
        locked_at=iso(client.locked_at),
        lock_reason=client.lock_reason,
        deleted_at=iso(client.deleted_at),
    )
    return profile


def client_export(client: Client) -> dict:
    return {
        "export_version": EXPORT_VERSION,
        **{name: section.build(client) for name, section in EXPORT_SECTIONS.items()},
    }


def client_export_json(client: Client) -> str:
    return json.dumps(client_export(client), ensure_ascii=False, indent=2)


def client_export_csv(client: Client) -> str:
    """The profile as one CSV row under a header of field names (spreadsheets open it)."""
    profile = profile_values(client)
    columns = ["id", *EDITABLE_FIELDS, "online_booking", "created_at", "updated_at"]
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        [FIELD_LABELS.get(column, column.replace("_", " ").capitalize()) for column in columns]
    )
    writer.writerow([spreadsheet_safe(profile.get(column)) for column in columns])
    return output.getvalue()


_PHONE = re.compile(r"^\+\d{4,15}$")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def spreadsheet_safe(value) -> str:
    """The cell's text, quoted when a spreadsheet would run it as a formula (a bare
    E.164 phone number is only a number there, and stays as it is). Every file of
    clients' data that a spreadsheet may open goes through this."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _PHONE.match(text):
        return "'" + text
    return text


def export_filename(client: Client, export_format: str) -> str:
    return f"client-{client.id}.{export_format}"
