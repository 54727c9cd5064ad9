"""Reading an uploaded file into a table: headings and rows of text cells.

Three kinds of file: CSV (any common delimiter and encoding), Excel workbooks (.xlsx,
checked before they are parsed, then read as a stream of rows: xlsx.py) and vCard
(.vcf, a phone's exported contacts: vcard.py). What the file is comes from its content,
not its name: a CSV saved as ".xlsx" is read as the CSV it is. Anything that cannot be
read raises UnreadableFile with a message for staff, never another exception. The
upload reads a sample (read_sample); the preview's and the import's jobs, every row.
"""

import codecs
import csv
import io
from contextlib import closing
from dataclasses import dataclass, field
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
SAMPLE_READ_ROWS = SAMPLE_ROWS * 20  # rows read for them (a column may be empty in some)

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


def text_of(content: bytes, encoding: str | None) -> tuple[str, str]:
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
    progress=None,
) -> Table:
    """The file as headings and rows; `limit` stops after that many rows (a sample).
    `progress(fraction)`, when given, hears how much of the file has been read."""
    _max_bytes, max_rows = limits()
    if file_format == "xlsx":
        table = _read_xlsx(content, max_rows, limit, progress)
    elif file_format == "vcf":
        table = _read_vcards(content, encoding, max_rows, limit)
    else:
        table = _read_csv(content, encoding, delimiter, max_rows, limit, progress)
    if not table.rows:
        raise UnreadableFile("The file has headings but no rows of clients.")
    return table


def read_sample(
    content: bytes, file_format: str, encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """The headings and the first rows, for the Map columns step: what the upload
    reads (the whole file is read by the preview's job)."""
    return read_table(content, file_format, encoding, delimiter, limit=SAMPLE_READ_ROWS)


def check_width(count: int) -> None:
    if count > MAX_COLUMNS:
        raise UnreadableFile(
            f"The file has {count:,} columns; Clientele reads at most {MAX_COLUMNS}. "
            "Remove the columns you do not need and upload it again."
        )


def check_cell(text: str, row_number: int) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise UnreadableFile(
            f"Row {row_number:,} has a cell of {len(text):,} characters; a cell holds at "
            f"most {MAX_CELL_CHARS:,}. Shorten it and upload the file again."
        )


def too_many_rows(max_rows: int) -> UnreadableFile:
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
        check_width(len(cells))
        if cells and max(map(len, cells)) > MAX_CELL_CHARS:
            check_cell(max(cells, key=len), number)
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
            raise too_many_rows(max_rows)
    if header_cells is None:
        raise UnreadableFile("The file is empty.")
    width = max(width, len(header_cells))
    headers = _headers(header_cells + [""] * (width - len(header_cells)))
    rows = [(number, cells + [""] * (width - len(cells))) for number, cells in rows]
    return Table(headers, rows, **extra)


def _read_csv(content, encoding, delimiter, max_rows, limit, progress) -> Table:
    text, encoding = text_of(content, encoding)
    if delimiter not in DELIMITERS:
        delimiter = detect_delimiter(text)
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter, strict=True)

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
            if progress is not None and record % 1_000 == 0:
                progress(source.tell() / (len(text) or 1))
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


def _read_vcards(content, encoding, max_rows, limit) -> Table:
    from app.data.imports.vcard import read_vcards  # it builds on this module

    return read_vcards(content, encoding, max_rows, limit)


def _read_xlsx(content, max_rows, limit, progress) -> Table:
    from app.data.imports.xlsx import workbook_rows  # it builds on this module

    with closing(workbook_rows(content, max_rows, progress)) as rows:
        return _table_from_rows(rows, max_rows, limit)


def sample(table: Table, column: int) -> list[str]:
    """A few non-empty values of one column, for the Map columns step."""
    values = []
    for _number, cells in table.rows:
        if cells[column]:
            values.append(cells[column][:60])
            if len(values) >= SAMPLE_ROWS:
                break
    return values
