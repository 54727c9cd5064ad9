"""What every reader of an import's file shares: the limits, the table it reads into,
the refusal it raises, and text decoding (reading.py dispatches by kind of file to the
CSV reader, xlsx.py and vcard.py, which all build on this module)."""

import codecs
from dataclasses import dataclass, field
from unicodedata import category

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


ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-be": "UTF-16 (big-endian)",
    "cp1252": "Windows (cp1252)",
    "iso-8859-1": "Latin-1 (ISO 8859-1)",
    "mac_roman": "Mac Roman",
}


FILE_KINDS_HINT = "Clientele imports CSV, Excel (.xlsx) and vCard (.vcf) files."


class UnreadableFile(ValueError):
    """The file cannot be imported; the message says why, for staff."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as staff see it, one cell per heading)
    encoding: str | None = None  # CSV and vCard: the encoding read
    delimiter: str | None = None  # CSV only
    # Rows the reader could not read (a damaged vCard): row number -> why, for the
    # preview and the job to list as errors while the other rows import.
    unreadable: dict[int, str] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows)


def describe_bytes(size: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


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


def decode(content: bytes, encoding: str, partial: bool = False) -> str:
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
        text = decode(content, encoding)
    except UnreadableFile:
        if not (detected and encoding == "cp1252"):
            raise
        # The five bytes cp1252 leaves undefined: Latin-1 reads every byte.
        encoding = "iso-8859-1"
        text = decode(content, encoding)
    sample = text[:20_000]
    # Control, unassigned and private-use characters: few in text, many in binary data.
    unprintable = sum(1 for ch in sample if ch not in "\t\r\n" and category(ch)[0] == "C")
    if "\x00" in text or unprintable > len(sample) // 50:
        raise _not_text()
    return text, encoding


# --- reading each kind ------------------------------------------------------------------


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
