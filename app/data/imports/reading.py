"""Reading an uploaded file into a table: headings and rows of text cells.

Three kinds of file: CSV (any common delimiter and encoding), Excel workbooks (.xlsx,
read-only, checked before they are parsed) and vCard (.vcf, a phone's exported
contacts). What the file is comes from its content, not its name: a CSV saved as
".xlsx" is read as the CSV it is. Anything that cannot be read raises UnreadableFile
with a message for staff, never another exception.
"""

import codecs
import csv
import io
import quopri
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from unicodedata import category

from flask import current_app

# Limits of what an import reads. IMPORT_MAX_BYTES and IMPORT_MAX_ROWS in the app's
# configuration override the first two.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # what a spreadsheet cell holds
# A workbook is a zip of XML files: what it unpacks to is checked (from the zip's
# directory, before anything is unpacked) so a small "zip bomb" is refused at once.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
SAMPLE_ROWS = 3  # example values shown beside each column on the Map columns step

FORMATS = {"csv": "CSV", "xlsx": "Excel workbook", "vcf": "vCard contacts"}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-be": "UTF-16 (big-endian)",
    "cp1252": "Windows (cp1252)",
    "iso-8859-1": "Latin-1 (ISO 8859-1)",
    "mac_roman": "Mac Roman",
}
DELIMITERS = {",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab", "|": "Vertical bar (|)"}
FILE_KINDS_HINT = "Clientele imports CSV, Excel (.xlsx) and vCard (.vcf) files."

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and encrypted new ones
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_BINARY_STARTS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"\x1f\x8b")


class UnreadableFile(ValueError):
    """The file cannot be imported; the message says why, for staff."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as staff see it, one cell per heading)
    encoding: str | None = None  # CSV and vCard: the encoding read
    delimiter: str | None = None  # CSV only
    notices: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.rows)


def limits() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("IMPORT_MAX_BYTES", MAX_FILE_BYTES)),
        int(config.get("IMPORT_MAX_ROWS", MAX_ROWS)),
    )


def describe_bytes(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


# --- what kind of file ----------------------------------------------------------------


def detect_format(content: bytes) -> str:
    """csv, xlsx or vcf, from the first bytes; UnreadableFile for anything else."""
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFile("The file is empty.")
    if content.startswith(_ZIP):
        return "xlsx"
    if content.startswith(_OLE):
        if _ENCRYPTED_PACKAGE in content[:200_000] or _ENCRYPTED_PACKAGE in content:
            raise UnreadableFile(
                "This workbook is protected with a password. Open it, save a copy without "
                "the password, and upload that."
            )
        raise UnreadableFile(
            "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as "
            "CSV, and upload that."
        )
    if content.startswith(_BINARY_STARTS):
        raise UnreadableFile(f"This is not a spreadsheet or contacts file. {FILE_KINDS_HINT}")
    try:
        text = _decode(content[:4096], detect_encoding(content[:4096]), partial=True)
    except UnreadableFile:
        return "csv"  # reading it says what is wrong, with the encoding to choose
    if text.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD"):
        return "vcf"
    return "csv"


def detect_encoding(content: bytes) -> str:
    """The encoding a text file was most likely saved in (staff can choose another)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8"
    head = content[:4096]
    # UTF-16 without a byte-order mark: every other byte of Latin text is zero.
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16"  # read as little-endian when there is no mark
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(content) - 3 and error.reason == "unexpected end of data":
            return "utf-8"  # only a sample cut inside a character
        return "cp1252"
    return "utf-8"


def _decode(content: bytes, encoding: str, partial: bool = False) -> str:
    if encoding == "utf-8":
        encoding = "utf-8-sig"
    elif encoding == "utf-16" and not content.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        encoding = "utf-16-le"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(content, final=not partial)
    except UnicodeDecodeError as error:
        name = ENCODINGS.get(encoding.removesuffix("-sig"), encoding)
        raise UnreadableFile(
            f"The file is not {name} text (byte {error.start + 1:,} cannot be read that "
            "way). Choose the encoding it was saved in."
        ) from error
    except LookupError as error:
        raise UnreadableFile("Choose an encoding from the list.") from error
    return text.removeprefix("\ufeff")


def _not_text() -> UnreadableFile:
    return UnreadableFile(
        f"This is not a text file (it holds binary data). {FILE_KINDS_HINT} If it is "
        "a CSV, choose the encoding it was saved in."
    )


def _text_of(content: bytes, encoding: str | None) -> tuple[str, str]:
    detected = encoding is None
    encoding = encoding or detect_encoding(content)
    if detected and not encoding.startswith("utf-16") and b"\x00" in content:
        raise _not_text()
    try:
        text = _decode(content, encoding)
    except UnreadableFile:
        if not (detected and encoding == "cp1252"):
            raise
        # The five bytes cp1252 leaves undefined: Latin-1 reads every byte.
        encoding = "iso-8859-1"
        text = _decode(content, encoding)
    sample = text[:20_000]
    # Control, unassigned and private-use characters: few in text, many in binary data.
    unprintable = sum(1 for ch in sample if ch not in "\t\r\n" and category(ch)[0] == "C")
    if "\x00" in text or unprintable > len(sample) // 50:
        raise _not_text()
    return text, encoding


# --- reading each kind ------------------------------------------------------------------


def read_table(
    content: bytes,
    file_format: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    limit: int | None = None,
) -> Table:
    """The file as headings and rows; `limit` stops after that many rows (a sample)."""
    _max_bytes, max_rows = limits()
    if file_format == "xlsx":
        table = _read_xlsx(content, max_rows, limit)
    elif file_format == "vcf":
        table = _read_vcards(content, encoding, max_rows, limit)
    else:
        table = _read_csv(content, encoding, delimiter, max_rows, limit)
    if limit is None and not table.rows:
        raise UnreadableFile("The file has headings but no rows of clients.")
    return table


def _check_width(count: int) -> None:
    if count > MAX_COLUMNS:
        raise UnreadableFile(
            f"The file has {count:,} columns; Clientele reads at most {MAX_COLUMNS}. "
            "Remove the columns you do not need and upload it again."
        )


def _check_cell(text: str, row_number: int) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise UnreadableFile(
            f"Row {row_number:,} has a cell of {len(text):,} characters; a cell holds at "
            f"most {MAX_CELL_CHARS:,}. Shorten it and upload the file again."
        )


def _too_many_rows(max_rows: int) -> UnreadableFile:
    return UnreadableFile(
        f"The file has more than {max_rows:,} rows. Split it into files of at most "
        f"{max_rows:,} rows and import them one after the other."
    )


def _headers(cells: list[str]) -> list[str]:
    """Headings as staff will read them: blank ones named after their column."""
    headers, seen = [], set()
    for index, cell in enumerate(cells):
        name = " ".join(cell.split())[:100] or f"Column {_column_letter(index)}"
        while name in seen:
            name += "*"
        seen.add(name)
        headers.append(name)
    return headers


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _table_from_rows(raw_rows, max_rows: int, limit: int | None, **extra) -> Table:
    """Headings from the first non-blank row, then the rows (blank ones left out),
    every row as wide as the widest."""
    header_cells, rows, width = None, [], 0
    for number, cells in raw_rows:
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:
            cells.pop()
        _check_width(len(cells))
        for cell in cells:
            _check_cell(cell, number)
        if header_cells is None:
            if cells:
                header_cells = cells
            continue
        if not cells:
            continue
        rows.append((number, cells))
        width = max(width, len(cells))
        if limit is not None and len(rows) >= limit:
            break
        if len(rows) > max_rows:
            raise _too_many_rows(max_rows)
    if header_cells is None:
        raise UnreadableFile("The file is empty.")
    width = max(width, len(header_cells))
    headers = _headers(header_cells + [""] * (width - len(header_cells)))
    rows = [(number, cells + [""] * (width - len(cells))) for number, cells in rows]
    return Table(headers, rows, **extra)


def _read_csv(content, encoding, delimiter, max_rows, limit) -> Table:
    text, encoding = _text_of(content, encoding)
    if delimiter not in DELIMITERS:
        delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def numbered():
        record = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    raise UnreadableFile(
                        f"Line {reader.line_num:,} has a cell longer than "
                        f'{MAX_CELL_CHARS:,} characters, or a quote (") that never closes.'
                    ) from error
                raise UnreadableFile(
                    f"Line {reader.line_num:,} of the file cannot be read ({error}). "
                    'Check its quotes ("): a quoted cell must end with a quote.'
                ) from error
            record += 1  # a spreadsheet's row number (a quoted line break stays in its row)
            yield record, cells

    return _table_from_rows(numbered(), max_rows, limit, encoding=encoding, delimiter=delimiter)


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of cells (more
    than one), the most cells winning; a comma when none does."""
    sample = text[:20_000]
    lines = sample.splitlines()[:20]
    if len(sample) == 20_000 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is partial
    best, best_width = ",", 1
    for candidate in DELIMITERS:
        try:
            widths = [
                len(cells)
                for cells in csv.reader(io.StringIO("\n".join(lines)), delimiter=candidate)
                if cells
            ]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        steady = widths.count(common) >= max(1, len(widths) * 0.8)
        if steady and common > best_width:
            best, best_width = candidate, common
    return best


def _cell_text(value) -> str:
    """A workbook cell as text: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


def check_workbook(content: bytes) -> None:
    """Refuse a workbook that is not one, is encrypted, unpacks to too much, or carries
    XML document type declarations (the way to an entity bomb): from the zip's
    directory and the first bytes of each part, before anything is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UnreadableFile(
            "This workbook is damaged and cannot be opened. Open it in your spreadsheet "
            "program, save it again, and upload the new copy."
        ) from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnreadableFile("This workbook has too many parts to be a table of clients.")
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise UnreadableFile(f"This zip file is not an Excel workbook. {FILE_KINDS_HINT}")
    if any(member.flag_bits & 0x1 for member in members):
        raise UnreadableFile(
            "This workbook is protected with a password. Save a copy without the "
            "password and upload that."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            f"This workbook unpacks to {describe_bytes(unpacked)}, more than the "
            f"{describe_bytes(MAX_UNPACKED_BYTES)} Clientele reads. Save the clients as "
            "CSV, or split the workbook."
        )
    try:
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as part:
                    head = part.read(4096).lower()
                if b"<!doctype" in head or b"<!entity" in head:
                    raise UnreadableFile(
                        "This workbook holds XML declarations that spreadsheet programs "
                        "never write; it is refused. Save it again from your spreadsheet "
                        "program."
                    )
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise UnreadableFile(
            "This workbook is damaged and cannot be opened. Save it again and upload the new copy."
        ) from error


def _read_xlsx(content, max_rows, limit) -> Table:
    check_workbook(content)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds; all mean "cannot read"
        raise UnreadableFile(
            "This workbook cannot be read. Open it in your spreadsheet program, save it "
            "again as .xlsx (or as CSV), and upload the new copy."
        ) from error
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise UnreadableFile("This workbook has no sheet of cells to read.")
        # The sheet's stated size may be a lie (a million columns): read the cells
        # that are really there.
        sheet.reset_dimensions()
        seen = 0

        def numbered():
            nonlocal seen
            for row in sheet.iter_rows():
                seen += 1
                if seen > 2 * max_rows + 1_000:  # blank rows count too: bounded work
                    raise _too_many_rows(max_rows)
                cells = list(row)
                if not cells:
                    continue
                _check_width(len(cells))
                number = getattr(cells[0], "row", None) or seen
                yield number, [_cell_text(getattr(cell, "value", None)) for cell in cells]

        try:
            return _table_from_rows(numbered(), max_rows, limit)
        except UnreadableFile:
            raise
        except Exception as error:
            raise UnreadableFile(
                "This workbook cannot be read to the end. Save it again from your "
                "spreadsheet program (or as CSV) and upload the new copy."
            ) from error
    finally:
        book.close()


# --- vCard ---------------------------------------------------------------------------

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


def _read_vcards(content, encoding, max_rows, limit) -> Table:
    import vobject

    text, encoding = _text_of(content, encoding)
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
                raise _too_many_rows(max_rows)
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
    _check_width(len(_VCARD_FIXED) + emails + phones + len(_VCARD_TAIL))
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
            _check_cell(cell, number)
        rows.append((number, row))
    return Table(headers, rows, encoding=encoding)


def sample(table: Table, column: int) -> list[str]:
    """A few non-empty values of one column, for the Map columns step."""
    values = []
    for _number, cells in table.rows:
        if cells[column]:
            values.append(cells[column][:60])
            if len(values) >= SAMPLE_ROWS:
                break
    return values
