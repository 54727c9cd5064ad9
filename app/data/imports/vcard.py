"""Reading a vCard file (.vcf: the contacts a phone or an address book exports) as a
table: a column per name part, one per email and phone the widest card has (mobile
numbers first), then the address, organisation and note. Photos are never read. Each
card is read on its own: one that cannot be read is a row the preview lists with why,
and the others import."""

import quopri
import re

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
            part
            for part in (name.value.given, name.value.additional)
            if isinstance(part, str) and part.strip()
        )
        found["last"] = name.value.family if isinstance(name.value.family, str) else ""
        if isinstance(name.value.given, list):
            found["first"] = " ".join(name.value.given)
        if isinstance(name.value.family, list):
            found["last"] = " ".join(name.value.family)
    elif name is not None:
        parts = _vcard_value(name).split(";")
        found["last"], found["first"] = parts[0], parts[1] if len(parts) > 1 else ""
    if "fn" in contents and not (found.get("first") or found.get("last")):
        found["full"] = _vcard_value(contents["fn"][0])  # only when N says nothing
    if found.get("last") and not found.get("first"):
        # A family name alone (N:Smith;;;;) is the one name the client goes by: their
        # first name, which the client form requires, and never in both fields.
        found["first"], found["last"] = found["last"], ""
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


# Some Windows tools end lines with CR CR LF, old Macs with CR alone: every run of CRs
# before a LF, and a lone CR, is one line break (else a folded line comes apart).
_LINE_BREAK = re.compile(r"\r*\n|\r")
# Properties never imported that can be most of a phone's export (a photo per card).
_DROPPED = ("PHOTO", "LOGO", "SOUND", "KEY")


def card_texts(text: str) -> list[tuple[int, str]]:
    """Each card of the file, BEGIN:VCARD to END:VCARD, with the line it starts on.
    Lines outside a card (a heading some exporters write first) are left out, and so
    are photos, logos, sounds and keys with their folded lines."""
    cards: list[tuple[int, str]] = []
    lines: list[str] | None = None
    start = 0
    dropping = False
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if dropping and line[:1] in (" ", "\t"):
            continue
        upper = line.upper()
        dropping = upper.startswith(_DROPPED)
        if dropping:
            continue
        if upper.strip() == "BEGIN:VCARD":
            lines, start = [line.strip()], number
        elif lines is not None:
            lines.append(line)
            if upper.strip() == "END:VCARD":
                cards.append((start, "\r\n".join(lines) + "\r\n"))
                lines = None
    if lines is not None:  # the last card lacks its END: read as it is (and told)
        cards.append((start, "\r\n".join(lines) + "\r\n"))
    return cards


_FORMATTED_NAME = re.compile(r"^FN(?:;[^:]*)?:(.*)$", re.IGNORECASE | re.MULTILINE)


def _unreadable_card(number: int, line: int, card_text: str) -> tuple[dict, str]:
    """What the preview shows of a card that cannot be read: its formatted name when
    that line is plain text, and why it is left out."""
    found = _FORMATTED_NAME.search(card_text)
    name = " ".join(found.group(1).split()) if found and "=" not in found.group(1) else ""
    reason = (
        f"Contact {number:,} (line {line:,} of the file) cannot be read: one of its "
        "values is damaged. Correct it in the address book and export it again, or "
        "add this client by hand."
    )
    return {"emails": [], "phones": [], "full": name}, reason


def read_vcards(content, encoding, max_rows, limit) -> Table:
    import vobject

    text, encoding = text_of(content, encoding)
    cards = []
    unreadable: dict[int, str] = {}
    for number, (line, card_text) in enumerate(card_texts(text), start=1):
        try:
            card = vobject.readOne(card_text, allowQP=True)
            cells = _card_cells(card)
        except Exception:  # vobject's parse errors have many types: this card only
            cells, unreadable[number] = _unreadable_card(number, line, card_text)
        cards.append((number, cells))
        if len(cards) > max_rows:
            raise too_many_rows(max_rows)
        if limit is not None and len(cards) >= limit:
            break
    if not cards and limit is None:
        raise UnreadableFile("The file has no contacts in it.")
    if cards and len(unreadable) == len(cards):
        raise UnreadableFile(
            "The contacts in this file cannot be read. Export them again (as vCard), or "
            "save them as CSV."
        )
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
    return Table(headers, rows, encoding=encoding, unreadable=unreadable)
