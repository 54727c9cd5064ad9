"""Reading a vCard file (.vcf: the contacts a phone or an address book exports) as a
table: a column per name part, one per email and phone the widest card has (mobile
numbers first), then the address, organisation and note. Photos are never read."""

import quopri

from app.data.imports.table import (
    Table,
    UnreadableFile,
    check_cell,
    check_width,
    text_of,
    too_many_rows,
)

_VCARD_FIXED = (
    ("first", "First name"),
    ("last", "Last name"),
    ("full", "Full name"),
)
_VCARD_TAIL = (
    ("birthday", "Birthday"),
    ("street", "Street"),
    ("city", "City"),
    ("region", "Region"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("organisation", "Organisation"),
    ("note", "Note"),
)


def _vcard_value(line) -> str:
    """A property's text, with quoted-printable (older Android exports) decoded."""
    value = line.value
    encoding = (line.params.get("ENCODING") or [""])[0].upper()
    if encoding == "QUOTED-PRINTABLE" and isinstance(value, str):
        charset = (line.params.get("CHARSET") or ["utf-8"])[0]
        try:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                charset, "replace"
            )
        except LookupError:
            value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                "utf-8", "replace"
            )
    if isinstance(value, list | tuple):
        value = " ".join(str(part) for part in value if part)
    return " ".join(str(value).split()) if not isinstance(value, bytes) else ""


def _phone_rank(line) -> int:
    """Mobile numbers first: the client's phone is the one they carry."""
    types = {kind.upper() for kind in line.params.get("TYPE", [])}
    return 0 if types & {"CELL", "MOBILE", "IPHONE"} else 1 if "PREF" in types else 2


def _card_cells(card) -> dict:
    contents = card.contents
    found = {"emails": [], "phones": []}
    name = contents.get("n", [None])[0]
    if name is not None and not isinstance(name.value, str):
        found["first"] = " ".join(
            part for part in (name.value.given, name.value.additional) if isinstance(part, str)
        )
        found["last"] = name.value.family if isinstance(name.value.family, str) else ""
        if isinstance(name.value.given, list):
            found["first"] = " ".join(name.value.given)
        if isinstance(name.value.family, list):
            found["last"] = " ".join(name.value.family)
    elif name is not None:
        parts = _vcard_value(name).split(";")
        found["last"], found["first"] = parts[0], parts[1] if len(parts) > 1 else ""
    if "fn" in contents:
        found["full"] = _vcard_value(contents["fn"][0])
    found["emails"] = [_vcard_value(line) for line in contents.get("email", [])]
    phones = sorted(contents.get("tel", []), key=_phone_rank)
    found["phones"] = [_vcard_value(line) for line in phones]
    if "bday" in contents:
        found["birthday"] = _vcard_value(contents["bday"][0])
    if "adr" in contents:
        address = contents["adr"][0].value
        if isinstance(address, str):
            found["street"] = _vcard_value(contents["adr"][0])
        else:
            for key, part in (
                ("street", address.street),
                ("city", address.city),
                ("region", address.region),
                ("postal_code", address.code),
                ("country", address.country),
            ):
                found[key] = " ".join(part) if isinstance(part, list) else str(part or "")
    if "org" in contents:
        found["organisation"] = _vcard_value(contents["org"][0])
    if "note" in contents:
        found["note"] = _vcard_value(contents["note"][0])
    return found


def read_vcards(content, encoding, max_rows, limit) -> Table:
    import vobject

    text, encoding = text_of(content, encoding)
    # PHOTO lines can be most of a phone's export; they are never imported, so they
    # are dropped before parsing (with their folded continuation lines).
    lines, skipping = [], False
    for line in text.splitlines():
        if skipping and line[:1] in (" ", "\t"):
            continue
        skipping = line.upper().startswith(("PHOTO", "LOGO", "SOUND", "KEY"))
        if not skipping:
            lines.append(line)
    cards = []
    try:
        for number, card in enumerate(
            vobject.readComponents("\r\n".join(lines) + "\r\n", allowQP=True), start=1
        ):
            if card.name.upper() != "VCARD":
                continue
            cards.append((number, _card_cells(card)))
            if len(cards) > max_rows:
                raise too_many_rows(max_rows)
            if limit is not None and len(cards) >= limit:
                break
    except UnreadableFile:
        raise
    except Exception as error:  # vobject's parse errors have many types
        raise UnreadableFile(
            f"Contact {len(cards) + 1:,} of the file cannot be read. Export the contacts "
            "again (as vCard), or save them as CSV."
        ) from error
    if not cards and limit is None:
        raise UnreadableFile("The file has no contacts in it.")
    emails = max((len(cells["emails"]) for _n, cells in cards), default=1) or 1
    phones = max((len(cells["phones"]) for _n, cells in cards), default=1) or 1
    check_width(len(_VCARD_FIXED) + emails + phones + len(_VCARD_TAIL))
    headers = [title for _key, title in _VCARD_FIXED]
    headers += [f"Email {index}" for index in range(1, emails + 1)]
    headers += [f"Phone {index}" for index in range(1, phones + 1)]
    headers += [title for _key, title in _VCARD_TAIL]
    rows = []
    for number, cells in cards:
        row = [cells.get(key, "") for key, _title in _VCARD_FIXED]
        row += cells["emails"] + [""] * (emails - len(cells["emails"]))
        row += cells["phones"] + [""] * (phones - len(cells["phones"]))
        row += [cells.get(key, "") for key, _title in _VCARD_TAIL]
        row = [cell.strip() for cell in row]
        for cell in row:
            check_cell(cell, number)
        rows.append((number, row))
    return Table(headers, rows, encoding=encoding)
