"""Reading an uploaded file into a table: headings and rows of text cells.

Three kinds of file: CSV (any common delimiter and encoding), Excel workbooks (.xlsx,
checked before they are parsed, then read as a stream of rows: xlsx.py) and vCard
(.vcf, a phone's exported contacts: vcard.py). What the file is comes from its content,
not its name: a CSV saved as ".xlsx" is read as the CSV it is. Anything that cannot be
read raises UnreadableFile with a message for staff, never another exception. The
upload reads a sample (read_sample); the preview's and the import's jobs, every row.
"""

import csv
import io
import re
from contextlib import closing

from flask import current_app

from app.data.imports.mapping import looks_like_headings
from app.data.imports.table import (  # noqa: F401  (re-exported: the steps read them here)
    ENCODINGS,
    FILE_KINDS_HINT,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    Table,
    UnreadableFile,
    check_cell,
    check_width,
    decode,
    describe_bytes,
    detect_encoding,
    text_of,
    too_many_rows,
)
from app.data.imports.vcard import read_vcards
from app.data.imports.xlsx import workbook_rows

SAMPLE_ROWS = 3  # example values shown beside each column on the Map columns step
SAMPLE_READ_ROWS = SAMPLE_ROWS * 20  # rows read for them (a column may be empty in some)

FORMATS = {"csv": "CSV", "xlsx": "Excel workbook", "vcf": "vCard contacts"}
DELIMITERS = {",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab", "|": "Vertical bar (|)"}

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and encrypted new ones
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_BINARY_STARTS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"\x1f\x8b")


def limits() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("IMPORT_MAX_BYTES", MAX_FILE_BYTES)),
        int(config.get("IMPORT_MAX_ROWS", MAX_ROWS)),
    )


# --- what kind of file ----------------------------------------------------------------


# A vCard file is one whose first kilobytes begin a card on a line of its own: some
# exporters write a line or two before it, which must not make it a CSV of one column.
_VCARD_START = re.compile(r"^[ \t\ufeff]*BEGIN:VCARD[ \t\r]*$", re.IGNORECASE | re.MULTILINE)


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
        text = decode(content[:4096], detect_encoding(content[:4096]), partial=True)
    except UnreadableFile:
        return "csv"  # reading it says what is wrong, with the encoding to choose
    if _VCARD_START.search(text):
        return "vcf"
    return "csv"


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


def _two_rows_of_headings(first: list[str], second: list[str]) -> list[str]:
    """Each column's heading from the second row, or the first where the second is
    blank (the first row of two often groups columns: "Contact" over "Phone", "Email")."""
    width = max(len(first), len(second))
    first, second = first + [""] * (width - len(first)), second + [""] * (width - len(second))
    return [below or above for above, below in zip(first, second, strict=True)]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _table_from_rows(raw_rows, max_rows: int, limit: int | None, **extra) -> Table:
    """Headings from the first non-blank row (and the next, when it is headings too:
    a workbook whose headings take two rows), then the rows (blank ones left out),
    every row as wide as the widest."""
    header_cells, rows, width = None, [], 0
    second_looked_at = False
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
        if not second_looked_at:
            second_looked_at = True
            if looks_like_headings(cells):
                header_cells = _two_rows_of_headings(header_cells, cells)
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
    return read_vcards(content, encoding, max_rows, limit)


def _read_xlsx(content, max_rows, limit, progress) -> Table:
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
