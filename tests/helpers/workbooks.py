"""Large Excel workbooks for the import's tests and timings: a client list of `rows`
rows and `columns` columns (First name, Last name, Email, Phone, then the kind of
columns an old system exports), written with openpyxl's write-only workbook.

A workbook's sheet says its own size in a <dimension> element, which the reader must
never trust: `dimension` states the true size ("true", as Excel writes it), none
("none"), or a lie ("small": A1:D5, or "huge": A1:XFD1048576). `shared_strings` stores
the texts the way Excel does (a shared strings table), not as openpyxl's inline strings.

    .venv/bin/python -m tests.helpers.workbooks 20000 100 /tmp/big.xlsx [true|none|small|huge]
"""

import io
import random
import re
import sys
import zipfile

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FIRST = ["Ada", "Bruno", "Chloé", "Dev", "Elif", "Femi", "Grace", "Hana", "Ivan", "Jun"]
LAST = ["Lovelace", "Okafor", "Martin", "Patel", "Yilmaz", "Adeyemi", "Hopper", "Kim"]
FILLER_KINDS = ("Visits", "Points", "Source", "Spent", "Member since", "Tag", "Rating")
SOURCES = ["Walk-in", "Website", "Referral", "Instagram", "Google", "Flyer"]
DIMENSIONS = {"small": "A1:D5", "huge": "A1:XFD1048576"}


def headings(columns: int) -> list[str]:
    names = ["First name", "Last name", "Email", "Phone"]
    for index in range(len(names), columns):
        names.append(f"{FILLER_KINDS[index % len(FILLER_KINDS)]} {index - 3}")
    return names[:columns]


def _filler(kind: str, rng: random.Random):
    if kind == "Visits":
        return rng.randrange(20)
    if kind == "Points":
        return rng.randrange(100)
    if kind == "Rating":
        return 1 + rng.randrange(5)
    if kind == "Source":
        return rng.choice(SOURCES)
    if kind == "Spent":
        return rng.randrange(10) * 5
    if kind == "Member since":
        return 2015 + rng.randrange(10)
    return f"T{rng.randrange(12)}"


def client_rows(rows: int, columns: int, seed: int = 7):
    kinds = [FILLER_KINDS[index % len(FILLER_KINDS)] for index in range(columns)]
    for number in range(rows):
        # A few kinds of customer, as an old system's columns repeat themselves.
        rng = random.Random(seed * 1000 + number % 8)
        first, last = FIRST[number % len(FIRST)], LAST[number % len(LAST)]
        row = [
            first,
            f"{last}{number}",
            f"{first.lower()}.{last.lower()}{number}@example.com",
            f"07911 {100000 + number:06d}",
        ]
        row += [_filler(kinds[index], rng) for index in range(4, columns)]
        yield row[:columns]


def _to_shared_strings(sheet: str) -> tuple[str, str]:
    """The sheet with its inline strings moved to a shared strings table, as Excel
    writes them (each distinct text once, numbered in order of first use)."""
    table: dict[str, int] = {}

    def shared(match) -> str:
        text = match.group(2)
        index = table.setdefault(text, len(table))
        return f'{match.group(1)} t="s"><v>{index}</v></c>'

    sheet = re.sub(
        r'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, sheet
    )
    strings = "".join(f"<si><t>{text}</t></si>" for text in table)
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(table)}" uniqueCount="{len(table)}">{strings}</sst>'
    )
    return sheet, sst


def _rewrite(
    content: bytes, dimension: str | None, shared_strings: bool, keep_dimension=False
) -> bytes:
    """openpyxl's write-only file, made the way Excel writes one: numbers without a
    type, the stated dimension as asked (Excel puts it before <sheetViews>), and the
    texts in a shared strings table."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                sheet = data.decode().replace(' t="n"', "")
                if not keep_dimension:
                    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
                if dimension:
                    sheet = sheet.replace(
                        "<sheetViews>", f'<dimension ref="{dimension}"/><sheetViews>', 1
                    )
                if shared_strings:
                    sheet, sst = _to_shared_strings(sheet)
                    target.writestr("xl/sharedStrings.xml", sst)
                data = sheet.encode()
            elif shared_strings and item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif shared_strings and item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(item, data)
    return output.getvalue()


def with_parts(content: bytes, parts: dict[str, str]) -> bytes:
    """The workbook with some parts' XML replaced, e.g. its sheet and its shared
    strings (a workbook written with inline strings gets a shared strings table)."""
    if "xl/sharedStrings.xml" in parts:
        with zipfile.ZipFile(io.BytesIO(content)) as source:
            if "xl/sharedStrings.xml" not in source.namelist():
                content = _rewrite(content, None, shared_strings=True, keep_dimension=True)
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = parts.get(item.filename)
            target.writestr(item, data.encode() if data else source.read(item.filename))
    return output.getvalue()


def client_workbook(
    rows: int = 20_000,
    columns: int = 100,
    dimension: str = "true",
    shared_strings: bool = True,
    seed: int = 7,
) -> bytes:
    """The bytes of an .xlsx: a heading row, then `rows` clients."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Clients")
    sheet.append(headings(columns))
    for row in client_rows(rows, columns, seed):
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    content = output.getvalue()
    stated = DIMENSIONS.get(dimension)
    if dimension == "true":
        stated = f"A1:{get_column_letter(columns)}{rows + 1}"
    return _rewrite(content, stated, shared_strings)


def sheet_dimension(content: bytes) -> str | None:
    """The <dimension> the workbook's sheet states (None: it states none)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        head = archive.read("xl/worksheets/sheet1.xml")[:2000].decode()
    found = re.search(r'<dimension ref="([^"]+)"', head)
    return found.group(1) if found else None


if __name__ == "__main__":
    count, width, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    kind = sys.argv[4] if len(sys.argv) > 4 else "true"
    data = client_workbook(count, width, kind)
    with open(path, "wb") as file:
        file.write(data)
    print(f"{path}: {len(data):,} bytes, dimension {sheet_dimension(data)}")
