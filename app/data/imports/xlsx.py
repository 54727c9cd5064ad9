"""Reading an Excel workbook (.xlsx) as a stream of rows, from the first sheet.

A workbook is a zip of XML parts. check_workbook() looks at the zip's directory and
the first bytes of each part before anything is parsed (a "zip bomb", an encrypted
file, XML entities). workbook_rows() then reads the first sheet's rows one after the
other, so a sample for the Map columns step costs the first rows only, whatever the
sheet's size, and the whole sheet (in the preview and import jobs) costs one pass.

openpyxl reads the workbook's small parts (which sheet is first, the dates' styles,
the 1904 calendar). The sheet and its shared strings are read here with the standard
library's C parser, not with openpyxl's read-only worksheet, which reads to the end of
the sheet when it has no <dimension> (and trusts one that lies), loads every shared
string before the first row, and is three times slower. A part is parsed only after
its prolog is found free of a document type declaration, the one way to XML entities.
"""

import io
import warnings
import zipfile
from datetime import date, datetime, time
from xml.etree.ElementTree import iterparse

from app.data.imports.table import (
    FILE_KINDS_HINT,
    MAX_COLUMNS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    UnreadableFile,
    check_width,
    describe_bytes,
    too_many_rows,
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
_INLINE, _TEXT, _RUN, _ITEM = f"{_MAIN}is", f"{_MAIN}t", f"{_MAIN}r", f"{_MAIN}si"
_STYLES = "xl/styles.xml"
REPORT_EVERY = 500  # rows between two progress reports

_DAMAGED = (
    "This workbook is damaged and cannot be opened. Open it in your spreadsheet program, "
    "save it again, and upload the new copy."
)
_UNREADABLE = (
    "This workbook cannot be read. Open it in your spreadsheet program, save it again as "
    ".xlsx (or as CSV), and upload the new copy."
)
_NOT_TO_THE_END = (
    "This workbook cannot be read to the end. Save it again from your spreadsheet program "
    "(or as CSV) and upload the new copy."
)
_DECLARATIONS = (
    "This workbook holds XML declarations that spreadsheet programs never write; it is "
    "refused. Save it again from your spreadsheet program."
)


def check_workbook(content: bytes) -> None:
    """Refuse a workbook that is not one, is encrypted, unpacks to too much, or carries
    XML document type declarations (the way to an entity bomb): from the zip's
    directory and the first bytes of each part, before anything is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UnreadableFile(_DAMAGED) from error
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
                    raise UnreadableFile(_DECLARATIONS)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise UnreadableFile(
            "This workbook is damaged and cannot be opened. Save it again and upload the new copy."
        ) from error


# --- the parts, safely -----------------------------------------------------------------


def _check_prolog(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a part whose prolog (what comes before its first element) declares a
    document type: only there may a declaration stand, and without one the parser
    knows no entity but the five of XML itself. One pass, however long its comments."""
    with archive.open(name) as part:
        data = part.read(65_536).removeprefix(b"\xef\xbb\xbf")
        at = 0
        while True:
            if len(data) - at < 64:  # room to see what comes next
                data, at = data[at:] + part.read(65_536), 0
            while at < len(data) and data[at] in b" \t\r\n":
                at += 1
            if at >= len(data):
                more = part.read(65_536)
                if not more:
                    return  # no element at all: the parser says what is wrong
                data, at = more, 0
                continue
            if data[at : at + 1] != b"<":
                raise UnreadableFile(_NOT_TO_THE_END)  # text before the first element
            if not data.startswith((b"<?", b"<!--"), at):
                if data.startswith(b"<!", at):
                    raise UnreadableFile(_DECLARATIONS)
                return  # the first element: the prolog is over
            end_mark = b"?>" if data.startswith(b"<?", at) else b"-->"
            end = data.find(end_mark, at + 2)
            while end < 0:
                more = part.read(65_536)
                if not more:
                    raise UnreadableFile(_NOT_TO_THE_END)
                data = data[-(len(end_mark) - 1) :] + more  # a mark may straddle two reads
                end = data.find(end_mark)
            at = end + len(end_mark)


class _Counted(io.RawIOBase):
    """A part's stream that counts the bytes the parser has taken (for progress)."""

    def __init__(self, stream):
        self.stream = stream
        self.taken = 0

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        data = self.stream.read(size)
        self.taken += len(data)
        return data


def _elements(archive: zipfile.ZipFile, name: str, stream=None):
    """The (end) events of a part's elements, once its prolog is checked."""
    _check_prolog(archive, name)
    source = stream if stream is not None else archive.open(name)
    return iterparse(source, events=("end",))  # noqa: S314 (no declaration: no entities)


def _text_of(item) -> str:
    """A string item's text: its own <t> and its runs' <t> (phonetic hints left out)."""
    parts = []
    for child in item:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.append(child.findtext(_TEXT) or "")
    return "".join(parts)


class SharedStrings:
    """The workbook's shared strings, read as far as the cells asked so far need:
    the first rows use the first strings (they are numbered in order of use)."""

    def __init__(self, archive: zipfile.ZipFile, name: str | None):
        self.items: list[str] = []
        self._events = _elements(archive, name) if name else iter(())

    def __getitem__(self, index: int) -> str:
        while index >= len(self.items):
            for _event, element in self._events:
                if element.tag == _ITEM:
                    # As openpyxl reads them (its escaped underscores dropped).
                    self.items.append(_text_of(element).replace("x005F_", ""))
                    element.clear()
                    break
            else:
                raise UnreadableFile(_NOT_TO_THE_END)  # a cell points past the table
        return self.items[index]


# --- cells -----------------------------------------------------------------------------


def cell_text(value) -> str:
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


def _column(letters: str) -> int:
    """A column's number from its letters ("AB" -> 28); 0 when they are not letters."""
    number = 0
    for letter in letters:
        code = ord(letter) - 64
        if not 1 <= code <= 26:
            return 0
        number = number * 26 + code
    return number


def _number(value: str) -> int | float:
    return float(value) if "." in value or "E" in value or "e" in value else int(value)


class _Cells:
    """Turns a <row> element into texts, with what the workbook says about dates. The
    hot loop of reading a large sheet: two million cells are read in a few seconds."""

    def __init__(self, strings: SharedStrings, epoch, date_styles, duration_styles):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings = strings
        self.epoch = epoch
        self.date_styles = {str(style) for style in date_styles}
        self.duration_styles = {str(style) for style in duration_styles}
        self.from_excel, self.from_iso = from_excel, from_ISO8601
        self.columns: dict[str, int] = {}  # letters -> column number, as they are met

    def row(self, element) -> list[str]:
        texts: list[str] = []
        last = 0
        for cell in element:
            if cell.tag != _CELL:
                continue
            reference = cell.get("r")
            column = 0
            if reference:
                letters = reference.rstrip("0123456789")
                column = self.columns.get(letters, 0)
                if not column:
                    column = _column(letters)
                    if column:
                        self.columns[letters] = column
            column = column or last + 1
            last = column
            if column > MAX_COLUMNS:
                check_width(column)
            text = self.text(cell)
            if column > len(texts):
                if text:
                    texts.extend([""] * (column - 1 - len(texts)))
                    texts.append(text)
            else:
                texts[column - 1] = text
        return texts

    def text(self, cell) -> str:
        kind = cell.get("t")
        if kind == "inlineStr":
            inline = cell.find(_INLINE)
            return "" if inline is None else _text_of(inline)
        value = cell.findtext(_VALUE)
        if not value:
            return ""
        if kind is None or kind == "n":
            style = cell.get("s")
            if style is not None and style in self.date_styles:
                return self._date(_number(value), style)
            if value.isdigit() and value.isascii() and (value[0] != "0" or len(value) == 1):
                return value  # a whole number, as cell_text would write it
            return cell_text(_number(value))
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return cell_text(bool(int(value)))
        if kind == "d":
            return cell_text(self.from_iso(value))
        return value  # str (a formula's text), e (an error such as #N/A)

    def _date(self, number, style: str) -> str:
        try:
            moment = self.from_excel(number, self.epoch, timedelta=style in self.duration_styles)
        except (OverflowError, ValueError):
            return "#VALUE!"  # a date out of range, as openpyxl reads it
        return cell_text(moment)


# --- the first sheet -------------------------------------------------------------------


def _open(content: bytes):
    """openpyxl's reading of the small parts: the archive, the first worksheet's part,
    the shared strings' part, the calendar and the styles that are dates."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on odd but readable files
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_workbook()
        sheet_part = None
        for _sheet, relation in reader.parser.find_sheets():
            if relation.target in reader.valid_files and "chartsheet" not in relation.Type:
                sheet_part = relation.target
                break
        strings = reader.package.find(SHARED_STRINGS)
        date_styles, duration_styles = set(), set()
        if _STYLES in reader.valid_files:
            styles = Stylesheet.from_tree(fromstring(reader.archive.read(_STYLES)))
            date_styles, duration_styles = styles.date_formats, styles.timedelta_formats
    if sheet_part is None:
        reader.archive.close()
        raise UnreadableFile("This workbook has no sheet of cells to read.")
    return (
        reader.archive,
        sheet_part,
        strings.PartName[1:] if strings is not None else None,
        reader.wb.epoch,
        date_styles,
        duration_styles,
    )


def workbook_rows(content: bytes, max_rows: int, progress=None):
    """The first sheet's rows as (row number, cells as text), read as they are asked
    for. `progress(fraction)` hears how much of the sheet has been read (what it
    raises, it raises: it is not the file's fault)."""
    check_workbook(content)
    try:
        archive, sheet_part, strings_part, epoch, date_styles, duration_styles = _open(content)
    except UnreadableFile:
        raise
    except Exception as error:  # openpyxl raises many kinds; all mean "cannot read"
        raise UnreadableFile(_UNREADABLE) from error
    try:
        cells = _Cells(SharedStrings(archive, strings_part), epoch, date_styles, duration_styles)
        for seen, (number, texts, fraction) in enumerate(
            _sheet_rows(archive, sheet_part, cells, max_rows), start=1
        ):
            if progress is not None and seen % REPORT_EVERY == 0:
                progress(fraction)
            yield number, texts
    finally:
        archive.close()


def _sheet_rows(archive, sheet_part: str, cells: _Cells, max_rows: int):
    """(row number, texts, share of the sheet read) of each <row>, in one pass."""
    size = archive.getinfo(sheet_part).file_size or 1
    stream = _Counted(archive.open(sheet_part))
    counter = seen = 0
    try:
        for _event, element in _elements(archive, sheet_part, stream):
            if element.tag != _ROW:
                continue
            seen += 1
            if seen > 2 * max_rows + 1_000:  # blank rows count too: bounded work
                raise too_many_rows(max_rows)
            reference = element.get("r")
            counter = int(reference) if reference and reference.isdigit() else counter + 1
            texts = cells.row(element)
            element.clear()
            yield counter, texts, min(1.0, stream.taken / size)
    except UnreadableFile:
        raise
    except Exception as error:  # a parse error, a cell that is not what its type says
        raise UnreadableFile(_NOT_TO_THE_END) from error
