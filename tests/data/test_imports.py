"""Importing clients: every kind of file and encoding, headings matched, rows checked with
the client form, the preview (a dry run), the job through a real consumer, the failed
rows, the revert, bad files that never cause a 500, permissions and query budgets."""

import csv
import functools
import io
import re
import threading
import time
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import to_excel
from sqlalchemy import func, select

from app.clients import detail_ops, label_ops, note_ops, privacy_ops
from app.core.extensions import db
from app.data.imports.mapping import date_text, match_headers, split_full_name
from app.data.imports.reading import UnreadableFile, detect_format, read_table
from app.models import Activity, Client, ClientImport, Note, client_labels
from tests.helpers.bookings import book, future_day, practitioner, service
from tests.helpers.imports import (
    chosen_columns,
    clients_by_first_name,
    map_columns,
    preview_job_id,
    preview_rows,
    preview_with,
    previewed,
    run_import,
    upload,
    uploaded,
)
from tests.helpers.jobs import wait_for_end
from tests.helpers.workbooks import client_workbook, headings, sheet_dimension, with_parts

FILES = Path(__file__).parent.parent / "files"
HEADINGS = "First name,Last name,Email,Phone"


def csv_bytes(*lines: str, encoding="utf-8", delimiter=",") -> bytes:
    return ("\n".join(line.replace(",", delimiter) for line in lines) + "\n").encode(encoding)


# --- reading files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, delimiter",
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),
        ("utf-16", "\t"),
        ("utf-16-le", ","),
        ("cp1252", ";"),
    ],
)
def test_csv_in_any_common_encoding_and_delimiter_reads_back(app_ctx, encoding, delimiter):
    content = csv_bytes(
        HEADINGS, "Zoë,Ñúñez,zoe@example.com,07911 123456", encoding=encoding, delimiter=delimiter
    )
    table = read_table(content, detect_format(content))
    assert table.headers == ["First name", "Last name", "Email", "Phone"]
    assert table.rows == [(2, ["Zoë", "Ñúñez", "zoe@example.com", "07911 123456"])]
    assert table.delimiter == delimiter


def test_a_chosen_encoding_overrides_the_detected_one(app_ctx):
    content = csv_bytes(HEADINGS, "Zoë,Lee,,", encoding="cp1252")
    assert read_table(content, "csv").encoding == "cp1252"
    assert read_table(content, "csv", encoding="iso-8859-1").rows[0][1][0] == "Zoë"
    with pytest.raises(UnreadableFile, match="not UTF-8 text"):
        read_table(content, "csv", encoding="utf-8")


def test_quoted_cells_keep_their_delimiters_and_line_breaks(app_ctx):
    content = b'First name,Notes\n"Ada","likes tea, not coffee\nand cake"\n'
    table = read_table(content, "csv")
    assert table.rows == [(2, ["Ada", "likes tea, not coffee\nand cake"])]


@pytest.mark.parametrize(
    "headers, expected",
    [
        # Google Contacts, the newer export
        (
            ["First Name", "Middle Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value"],
            ["first_name", "", "last_name", "email", "phone"],
        ),
        # Google Contacts, the older export: "Name" fills what the name columns leave empty
        (
            [
                "Name",
                "Given Name",
                "Family Name",
                "E-mail 1 - Value",
                "E-mail 2 - Value",
                "Phone 1 - Type",
                "Phone 1 - Value",
                "Phone 2 - Value",
                "Birthday",
            ],
            [
                "full_name",
                "first_name",
                "last_name",
                "email",
                "note",
                "",
                "phone",
                "note",
                "birth_date",
            ],
        ),
        # Outlook
        (
            [
                "First Name",
                "Last Name",
                "E-mail Address",
                "Mobile Phone",
                "Business Phone",
                "Home City",
                "Home Postal Code",
                "Home Country/Region",
                "Notes",
            ],
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "note",
                "city",
                "postal_code",
                "country",
                "note",
            ],
        ),
        # booking systems
        (
            ["Client Name", "Mobile", "Email Address", "Date of Birth", "Zip", "Gender"],
            ["full_name", "phone", "email", "birth_date", "postal_code", ""],
        ),
        (
            ["Customer", "Cell", "DOB", "Post code"],
            ["full_name", "phone", "birth_date", "postal_code"],
        ),
        # our own export reads back
        (
            ["First name", "Last name", "Email", "Phone", "WhatsApp", "Preferred language"],
            ["first_name", "last_name", "email", "phone", "whatsapp", "preferred_language"],
        ),
    ],
)
def test_headings_of_common_exports_map_themselves(headers, expected):
    assert match_headers(headers) == expected


def test_full_names_split_and_dates_read_the_ways_people_write_them():
    assert split_full_name("Mary Ann Smith") == ("Mary Ann", "Smith")
    assert split_full_name("Smith, Mary") == ("Mary", "Smith")
    assert split_full_name("Cher") == ("Cher", "")
    assert date_text("12/04/1990", day_first=True) == "1990-04-12"
    assert date_text("04/12/1990", day_first=False) == "1990-04-12"
    assert date_text("12.04.90", day_first=True) == "1990-04-12"
    assert date_text("1990-04-12", day_first=True) == "1990-04-12"
    assert date_text("12 April 1990", day_first=True) == "1990-04-12"
    assert date_text("April 12, 1990", day_first=True) == "1990-04-12"
    assert date_text("19900412", day_first=True) == "1990-04-12"
    assert date_text("31/02/1990", day_first=True) == "31/02/1990"  # the form says why
    assert date_text("someday", day_first=True) == "someday"


def test_a_workbook_reads_with_dates_and_numbers_as_text(app_ctx):
    book_ = Workbook()
    sheet = book_.active
    sheet.append(["First name", "Mobile", "Birthday", "Score"])
    sheet.append(["Ada", 7911123456, date(1990, 4, 12), 1.5])
    sheet.append([None, None, None, None])
    sheet.append(["Bea", "+44 7911 654321", None, "=1+1"])
    output = io.BytesIO()
    book_.save(output)
    table = read_table(output.getvalue(), detect_format(output.getvalue()))
    assert table.headers == ["First name", "Mobile", "Birthday", "Score"]
    assert table.rows == [
        (2, ["Ada", "7911123456", "1990-04-12", "1.5"]),
        (4, ["Bea", "+44 7911 654321", "", ""]),  # a formula: its saved value, never run
    ]


def test_a_phones_vcards_give_every_email_and_number_and_drop_the_photo(app_ctx):
    content = (FILES / "phone-contacts.vcf").read_bytes()
    assert detect_format(content) == "vcf"
    table = read_table(content, "vcf")
    assert table.headers[:9] == [
        "First name",
        "Last name",
        "Full name",
        "Email 1",
        "Email 2",
        "Phone 1",
        "Phone 2",
        "Phone 3",
        "Birthday",
    ]
    hana = dict(zip(table.headers, table.rows[0][1], strict=True))
    assert (hana["First name"], hana["Last name"]) == ("Hana", "Nakamura")
    assert hana["Email 2"] == "hana.nakamura@work.example.com"
    assert hana["Phone 1"] == "07911 123459"  # the mobile first
    assert {hana["Phone 2"], hana["Phone 3"]} == {"020 7946 0018", "+44 161 496 0000"}
    assert hana["City"] == "Manchester" and hana["Postal code"] == "M1 3HE"
    assert not any("9j/4AAQ" in cell for cell in table.rows[0][1])
    jorg = dict(zip(table.headers, table.rows[1][1], strict=True))
    assert (jorg["First name"], jorg["Last name"]) == ("Jörg", "Müller")  # quoted-printable


# --- bad files ------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            block = b" " * (1024 * 1024)
            for _ in range(200):  # 200 MB of spaces, about 200 KB packed
                part.write(block)
    return output.getvalue()


def _entity_bomb() -> bytes:
    book_ = Workbook()
    book_.active.append(["First name"])
    book_.active.append(["Ada"])
    original = io.BytesIO()
    book_.save(original)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
            for n in range(1, 10)
        )
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&lol9;</t></si></sst>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = bomb.encode()
            target.writestr(item, data)
        if "xl/sharedStrings.xml" not in source.namelist():
            target.writestr("xl/sharedStrings.xml", bomb)
    return output.getvalue()


BAD_FILES = {
    "empty": (b"", "clients.csv", "The file is empty."),
    "blank": (b"\n\n \n", "clients.csv", "The file is empty."),
    "headings only": (b"First name,Email\n", "clients.csv", "headings but no rows"),
    "binary": (bytes(range(256)) * 40, "clients.csv", "not a text file"),
    "an image named csv": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "clients.csv", "not a spreadsheet"),
    "broken quoting": (
        b'First name,Email\n"Ada,ada@example.com\nBob,bob@example.com\n',
        "c.csv",
        "quote",
    ),
    "1,000 columns": (
        (
            ",".join(f"Column {n}" for n in range(1000)) + "\n" + ",".join("x" * 1000) + "\n"
        ).encode(),
        "wide.csv",
        "1,000 columns",
    ),
    "a 1 MB cell": (b"First name,Notes\nAda," + b"x" * (1024 * 1024) + b"\n", "big.csv", "cell"),
    "a broken workbook": (b"PK\x03\x04" + b"\0" * 200, "clients.xlsx", "damaged"),
    "a zip that is no workbook": (None, "clients.xlsx", "not an Excel workbook"),
    "an encrypted workbook": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le"),
        "clients.xlsx",
        "protected with a password",
    ),
    "an old xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500,
        "clients.xls",
        "old Excel file",
    ),
    "a broken vcard": (
        b"BEGIN:VCARD\nVERSION:3.0\n:::\nBEGIN:VCARD\n:::\n",  # no card readable
        "c.vcf",
        "cannot be read",
    ),
}


def _plain_zip() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return output.getvalue()


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_told_beside_the_field_never_a_500(app, owner, kind):
    content, name, message = BAD_FILES[kind]
    content = _plain_zip() if content is None else content
    answer = upload(owner, content, name)
    assert answer.status_code == 422, answer.text[:500]
    assert "<h2>Upload</h2>" in answer.text
    error = re.search(r'<p class="error" id="file-error" role="alert">([^<]*)</p>', answer.text)
    assert error and message in error.group(1).replace("&#34;", '"').replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClientImport)) == 0


def test_a_zip_bomb_is_refused_from_its_directory_in_under_two_seconds(app, owner):
    bomb = _zip_bomb()
    started = time.monotonic()
    answer = upload(owner, bomb, "bomb.xlsx")
    assert time.monotonic() - started < 2
    assert answer.status_code == 422
    assert "unpacks to 200 MB" in answer.text


def test_an_xml_entity_bomb_inside_a_workbook_is_refused(app, owner):
    started = time.monotonic()
    answer = upload(owner, _entity_bomb(), "entities.xlsx")
    assert time.monotonic() - started < 2
    assert answer.status_code == 422
    assert "XML declarations" in answer.text


def test_the_parser_itself_refuses_entities_when_the_first_check_is_passed(app_ctx):
    """A declaration past the bytes the first check reads (a long comment before it),
    in the shared strings the rows use: refused before that part is parsed."""
    padded = (
        '<?xml version="1.0"?>' + "<!-- " + "x" * 5000 + " -->"
        '<!DOCTYPE x [<!ENTITY e "boom">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>&e;</t></si>" * 8
        + "</sst>"
    )
    content = with_parts(client_workbook(3, 2), {"xl/sharedStrings.xml": padded})
    with pytest.raises(UnreadableFile, match="XML declarations"):
        read_table(content, "xlsx")


def test_an_oversized_file_is_refused_with_the_limit(make_app, login):
    app = make_app(IMPORT_MAX_BYTES=2_000)
    owner = login("owner", client=app.test_client())
    just_over = csv_bytes(HEADINGS, *[f"Ada{n},Lee,,," for n in range(300)])
    answer = upload(owner, just_over)
    assert answer.status_code == 422
    assert "larger than 2 KB" in answer.text
    far_over = b"First name\n" + b"Ada\n" * 300_000  # beyond what a request may carry
    answer = upload(owner, far_over)
    assert answer.status_code == 413
    assert "larger than 2 KB" in answer.text and "<h2>Upload</h2>" in answer.text


def test_too_many_rows_in_the_first_rows_read_are_refused_at_once(make_app, login):
    """The upload reads a sample (the preview's job reads the rest): a limit it passes
    already is told beside the field."""
    app = make_app(IMPORT_MAX_ROWS=5)
    owner = login("owner", client=app.test_client())
    answer = upload(owner, csv_bytes(HEADINGS, *[f"Ada{n},Lee,," for n in range(6)]))
    assert answer.status_code == 422 and "more than 5 rows" in answer.text
    assert (
        upload(owner, csv_bytes(HEADINGS, *[f"Ada{n},Lee,," for n in range(5)])).status_code == 303
    )


def test_no_file_and_a_missing_csrf_token_are_told(app, owner):
    answer = owner.post("/clients/import", {}, content_type="multipart/form-data")
    assert answer.status_code == 422 and "Choose a file to import." in answer.text
    raw = owner.client.post(
        "/clients/import",
        data={"file": (io.BytesIO(b"First name\nAda\n"), "c.csv")},
        content_type="multipart/form-data",
    )
    assert raw.status_code == 400


def test_a_csv_named_xlsx_is_read_as_the_csv_it_is(app, owner):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,ada@example.com,"), "wrong.xlsx")
    with app.app_context():
        assert db.session.get(ClientImport, import_id).file_format == "csv"


# --- map columns --------------------------------------------------------------------------


def test_google_contacts_map_themselves_and_every_choice_can_change(app, owner):
    import_id = uploaded(owner, (FILES / "google-contacts.csv").read_bytes(), "contacts.csv")
    chosen = chosen_columns(owner, import_id)
    assert chosen["First Name"] == "first_name" and chosen["Last Name"] == "last_name"
    assert chosen["E-mail 1 - Value"] == "email" and chosen["Phone 1 - Value"] == "phone"
    assert chosen["Phone 2 - Value"] == "note" and chosen["Notes"] == "note"
    assert chosen["Phone 1 - Label"] == "" and chosen["Address 1 - Country"] == "country"
    page = owner.get(f"/clients/import/{import_id}/columns")
    assert "amara@example.com" in page.text  # examples beside each column
    targets = list(chosen.values())
    targets[list(chosen).index("Notes")] = ""  # ignore the notes after all
    assert map_columns(owner, import_id, targets).status_code == 303
    assert chosen_columns(owner, import_id)["Notes"] == ""


def test_a_field_chosen_twice_or_no_name_is_told_beside_the_column(app, owner):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,ada@example.com,"))
    twice = map_columns(owner, import_id, ["first_name", "last_name", "email", "email"])
    assert twice.status_code == 422
    assert "“Email” already goes to Email" in twice.text
    assert re.search(
        r'<select aria-describedby="column_3-samples column_3-error" aria-invalid="true"',
        twice.text,
    )
    # what was chosen stays chosen
    assert re.search(
        r'name="column_1"[^>]*>.*?<option selected value="last_name"', twice.text, re.S
    )
    nameless = map_columns(owner, import_id, ["note", "", "email", "phone"])
    assert nameless.status_code == 422
    assert "Choose the column that holds the first name" in nameless.text
    odd = map_columns(owner, import_id, ["first_name", "nonsense", "", ""])
    assert odd.status_code == 422


def test_another_encoding_or_delimiter_reads_the_file_again(app, owner):
    content = csv_bytes(HEADINGS, "Zoë,Lee,zoe@example.com,", encoding="cp1252", delimiter=";")
    import_id = uploaded(owner, content)
    page = owner.get(f"/clients/import/{import_id}/columns")
    assert "Zoë" in page.text and '<option selected value="cp1252">' in page.text
    wrong = owner.post(
        f"/clients/import/{import_id}/columns",
        {"encoding": "utf-8", "delimiter": ";", "reread": "1"},
        hx=True,
    )
    assert wrong.status_code == 422 and "not UTF-8 text" in wrong.text
    assert "<html" not in wrong.text and 'id="import-columns"' in wrong.text
    commas = owner.post(
        f"/clients/import/{import_id}/columns",
        {"encoding": "cp1252", "delimiter": ",", "reread": "1"},
    )
    assert commas.status_code == 200
    assert 'for="column_0">First name;Last name;Email;Phone</label>' in commas.text
    assert 'for="column_1"' not in commas.text


# --- preview --------------------------------------------------------------------------------

PREVIEW_FILE = csv_bytes(
    "First name,Last name,Email,Phone,Birthday",
    "Ada,Lovelace,ada@example.com,07911 123456,10/12/1985",  # 2: create
    "Bob,Stone,not-an-email,07911 123457,",  # 3: invalid email
    "Cy,Ng,cy@example.com,12,",  # 4: invalid phone
    ",Nameless,nameless@example.com,,",  # 5: missing first name
    "Dee,Day,dee@example.com,,31/02/1990",  # 6: no such date
    "Eve,Echo,ADA@example.com,,",  # 7: same email as row 2
    "Old,Friend,old@example.com,07911 123458,",  # 8: matches a client
)


def test_the_preview_says_what_each_row_will_do_and_why_it_fails(
    app, owner, client_factory, job_worker
):
    client_factory(first_name="Olga", last_name="Friend", email="old@example.com")
    import_id = uploaded(owner, PREVIEW_FILE)
    columns = ["first_name", "last_name", "email", "phone", "birth_date"]
    # "Skip the row" for a bad value (keeping the contact is tested in test_real_exports)
    assert map_columns(owner, import_id, columns, bad_values="skip").status_code == 303
    page = previewed(app, owner, import_id, "?show=all")
    assert page.status_code == 200 and "<h2>Preview</h2>" in page.text
    assert "hx-trigger" not in page.text.split('id="preview-result"')[1]  # done: no polling
    rows = preview_rows(page.text)
    assert rows[2][0] == "create"
    assert rows[3][0] == "error" and "Email: Enter a valid email address." in rows[3][1]
    assert rows[4][0] == "error" and "Phone: This" in rows[4][1]
    assert rows[5][0] == "error" and "First name: Enter a first name." in rows[5][1]
    assert rows[6][0] == "error" and "Birth date: Enter a real date" in rows[6][1]
    assert rows[7][0] == "error" and "Duplicate: the same email as row 2." in rows[7][1]
    assert rows[8][0] == "skip" and "Already a client (email)." in rows[8][1]
    assert re.search(r"<dt>to create</dt><dd>1</dd>", page.text)
    assert re.search(r"<dt>with errors</dt><dd[^>]*>5</dd>", page.text)
    assert "Import 1 client<" in page.text
    assert "Olga Friend" in page.text  # the matched client, read as the page is drawn
    # the preview wrote nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
    # errors first when there are any, on the page and in what it polls
    status = owner.get(f"/clients/import/{import_id}/preview/status", hx=True)
    assert set(preview_rows(status.text)) == {3, 4, 5, 6, 7}
    assert set(preview_rows(owner.get(f"/clients/import/{import_id}/preview").text)) == {
        3,
        4,
        5,
        6,
        7,
    }


def test_a_mapping_change_fixes_rows_and_the_match_options_change_the_outcome(
    app, owner, client_factory, job_worker
):
    olga = client_factory(
        first_name="Olga", last_name="Friend", email="old@example.com", city="Leeds"
    )
    import_id = uploaded(owner, PREVIEW_FILE)
    # ignoring the phone and birthday columns fixes rows 4 and 6
    map_columns(owner, import_id, ["first_name", "last_name", "email", "", ""])
    rows = preview_rows(previewed(app, owner, import_id, "?show=all").text)
    assert rows[4][0] == "create" and rows[6][0] == "create"
    update = preview_with(
        app, owner, import_id, {"match_key": "email", "on_match": "update"}, "?show=all"
    )
    assert update.status_code == 200 and "<html" not in update.text
    assert preview_rows(update.text)[8] == ("update", "Olga Friend: First name")
    by_phone = preview_with(
        app, owner, import_id, {"match_key": "none", "on_match": "skip"}, "?show=all"
    )
    rows = preview_rows(by_phone.text)
    assert rows[8][0] == "create" and rows[7][0] == "create"  # nothing is matched
    bad = owner.post(f"/clients/import/{import_id}/preview", {"match_key": "name", "on_match": "x"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.text
    with app.app_context():
        assert db.session.get(Client, olga).first_name == "Olga"


def test_the_preview_counts_the_clients_the_limit_would_refuse(app, owner, job_worker):
    app.config["MAX_CLIENTS"] = 3  # the consumer runs this very app
    with app.app_context():
        detail_ops.create_client({"first_name": "Existing"}, owner.staff)
    import_id = uploaded(
        owner, csv_bytes(HEADINGS, *[f"New{n},Lee,new{n}@example.com," for n in range(4)])
    )
    map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
    page = previewed(app, owner, import_id)
    assert "2 new clients would be refused: your plan allows 3 clients." in page.text
    assert re.search(r"<dt>to create</dt><dd>2</dd>", page.text)


# --- large files: the upload reads a sample, the preview's job reads the rest ----------------

COLUMNS = ["first_name", "last_name", "email", "phone"]


@functools.cache
def big_workbook(dimension: str, rows: int = 3_000, columns: int = 40) -> bytes:
    return client_workbook(rows, columns, dimension)


def _part_size(content: bytes, name: str) -> int:
    return zipfile.ZipFile(io.BytesIO(content)).getinfo(name).file_size


@pytest.mark.parametrize("dimension", ["true", "none", "small", "huge"])
def test_the_upload_of_a_large_workbook_reads_its_first_rows_only(
    app, owner, monkeypatch, dimension
):
    """Whatever the sheet's <dimension> says (the real size, none, A1:D5 or
    A1:XFD1048576), the upload and the Map columns step unpack the first rows of the
    sheet and the strings they use, not the whole sheet: counted where every reader
    of a workbook's part reads it, the zip's own read."""
    content = big_workbook(dimension)
    assert (
        sheet_dimension(content)
        == {
            "true": "A1:AN3001",
            "none": None,
            "small": "A1:D5",
            "huge": "A1:XFD1048576",
        }[dimension]
    )
    sheet, strings = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
    unpacked = Counter()
    read = zipfile.ZipExtFile.read

    def counted(self, size=-1):
        data = read(self, size)
        unpacked[self.name] += len(data)
        return data

    with monkeypatch.context() as patch:
        patch.setattr(zipfile.ZipExtFile, "read", counted)
        import_id = uploaded(owner, content, "clients.xlsx")
        by_upload = dict(unpacked)
        unpacked.clear()
        page = owner.get(f"/clients/import/{import_id}/columns")
        by_columns = dict(unpacked)
    for reads in (by_upload, by_columns):
        assert reads[sheet] < _part_size(content, sheet) // 10, reads
        assert reads[strings] < _part_size(content, strings) // 2, reads
    assert page.status_code == 200 and "ada.lovelace0@example.com" in page.text
    chosen = chosen_columns(owner, import_id)
    assert len(chosen) == 40 and [chosen[name] for name in headings(4)] == COLUMNS
    with app.app_context():
        assert db.session.get(ClientImport, import_id).row_count == 0  # counted by the job


def test_a_large_workbook_whose_dimension_lies_is_previewed_to_its_last_row(app, owner, job_worker):
    import_id = uploaded(owner, big_workbook("small"), "clients.xlsx")  # says A1:D5
    assert map_columns(owner, import_id, COLUMNS + [""] * 36).status_code == 303
    page = previewed(app, owner, import_id)
    assert re.search(r"<dt>rows</dt><dd>3,000</dd>", page.text)
    assert re.search(r"<dt>to create</dt><dd>3,000</dd>", page.text)
    assert "Import 3,000 clients" in page.text
    assert "The first 200 of 3,000 rows are shown." in page.text
    assert "· 3,000 rows" in owner.get(f"/clients/import/{import_id}/columns").text


@pytest.fixture
def hold(monkeypatch):
    """hold("reading") or hold("checking"): the preview's job waits there (at its
    first report of reading, or when half the rows are checked) until released; every
    progress report is written (none skipped for being too soon after another)."""
    from app.core import jobs
    from app.data.imports import previews

    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    gate = {"reached": threading.Event(), "release": threading.Event()}

    def at(phase: str) -> dict:
        original = getattr(previews._Report, phase)

        def held(self, *report):
            original(self, *report)
            far = report[0] if phase == "reading" else report[0] / report[1]
            if far > 0 and (phase == "reading" or far >= 0.5) and not gate["reached"].is_set():
                gate["reached"].set()
                assert gate["release"].wait(20)

        monkeypatch.setattr(previews._Report, phase, held)
        return gate

    yield at
    gate["release"].set()


def _progress(html: str) -> tuple[int, int]:
    found = re.search(r'<progress id="preview-progress" max="(\d+)" value="(\d*)"', html)
    assert found, html[-1500:]
    return int(found.group(2) or 0), int(found.group(1))


def test_the_preview_is_a_job_whose_progress_shows_then_its_result(app, owner, job_worker, hold):
    halfway = hold("checking")
    lines = [f"P{n},Lee,p{n}@example.com," for n in range(1_000)]
    import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
    assert map_columns(owner, import_id, COLUMNS).status_code == 303
    page = owner.get(f"/clients/import/{import_id}/preview")
    assert page.status_code == 200 and "<h2>Preview</h2>" in page.text
    assert 'id="preview-progress"' in page.text and "to create" not in page.text
    status_url = f"/clients/import/{import_id}/preview/status"
    assert f'hx-get="{status_url}"' in page.text and 'hx-trigger="every 1s"' in page.text
    assert halfway["reached"].wait(20)
    polled = owner.get(status_url, hx=True)
    assert polled.status_code == 200 and "<html" not in polled.text
    assert polled.text.lstrip().startswith('<section id="preview-result"')
    done, total = _progress(polled.text)
    assert total // 2 <= done < total  # reading the file, then half the rows checked
    assert (
        "Reading the file and checking each row" in polled.text and "to create" not in polled.text
    )
    assert 'hx-trigger="every 1s"' in polled.text
    halfway["release"].set()
    assert wait_for_end(app, preview_job_id(app, import_id)).status == "done"
    finished = owner.get(status_url, hx=True)
    assert re.search(r"<dt>to create</dt><dd>1,000</dd>", finished.text)
    assert "hx-trigger" not in finished.text and "<progress" not in finished.text
    assert f'formaction="/clients/import/{import_id}/run"' in finished.text


def test_a_newer_preview_replaces_one_still_running(app, owner, job_worker, hold, client_factory):
    halfway = hold("checking")
    client_factory(first_name="Known", email="p0@example.com")
    lines = [f"P{n},Lee,p{n}@example.com," for n in range(1_000)]
    import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
    map_columns(owner, import_id, COLUMNS)  # matched by email: row 2 would be skipped
    first = preview_job_id(app, import_id)
    assert halfway["reached"].wait(20)
    answer = owner.post(
        f"/clients/import/{import_id}/preview", {"match_key": "none", "on_match": "skip"}, hx=True
    )
    assert answer.status_code == 200 and 'id="preview-progress"' in answer.text
    assert preview_job_id(app, import_id) != first
    halfway["release"].set()
    replaced = wait_for_end(app, first)
    assert replaced.status == "failed" and "newer preview" in replaced.error
    page = previewed(app, owner, import_id)
    assert re.search(r"<dt>to create</dt><dd>1,000</dd>", page.text)  # the newer choices
    assert re.search(r"<dt>to skip</dt><dd>0</dd>", page.text)


def test_going_back_to_the_previewed_choices_keeps_that_preview(
    app, owner, job_worker, hold, client_factory
):
    client_factory(first_name="Known", email="p0@example.com")
    lines = [f"P{n},Lee,p{n}@example.com," for n in range(1_000)]
    import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
    map_columns(owner, import_id, COLUMNS)
    assert re.search(r"<dt>to skip</dt><dd>1</dd>", previewed(app, owner, import_id).text)
    first = preview_job_id(app, import_id)
    halfway = hold("checking")  # the next job waits half way
    options = f"/clients/import/{import_id}/preview"
    owner.post(options, {"match_key": "none", "on_match": "skip"}, hx=True)
    second = preview_job_id(app, import_id)
    assert second != first and halfway["reached"].wait(20)
    back = owner.post(options, {"match_key": "email", "on_match": "skip"}, hx=True)
    assert re.search(r"<dt>to skip</dt><dd>1</dd>", back.text)  # the preview of these, at once
    assert preview_job_id(app, import_id) == second  # and no job for it
    halfway["release"].set()
    unneeded = wait_for_end(app, second)
    assert unneeded.status == "failed" and "choices changed" in unneeded.error
    page = owner.get(options)
    assert re.search(r"<dt>to skip</dt><dd>1</dd>", page.text)
    assert re.search(r"<dt>to create</dt><dd>999</dd>", page.text)


def test_a_replaced_preview_stops_at_its_next_look_even_while_reading(
    app, owner, job_worker, hold, monkeypatch
):
    from app.data.imports import previews

    monkeypatch.setattr(previews, "SUPERSEDED_EVERY", 0)  # a look at every report
    reading = hold("reading")
    import_id = uploaded(owner, big_workbook("none"), "clients.xlsx")
    map_columns(owner, import_id, COLUMNS + [""] * 36)
    first = preview_job_id(app, import_id)
    assert reading["reached"].wait(20)  # a sixth of the sheet read
    owner.post(f"/clients/import/{import_id}/preview", {"match_key": "none", "on_match": "skip"})
    reading["release"].set()
    replaced = wait_for_end(app, first)
    assert replaced.status == "failed" and "newer preview" in replaced.error  # not "cannot be read"
    assert replaced.done < replaced.total * previews.READING_SHARE["xlsx"]  # stopped reading
    page = previewed(app, owner, import_id)
    assert re.search(r"<dt>to create</dt><dd>3,000</dd>", page.text)


def test_a_preview_made_with_other_choices_is_not_shown_as_current(app, owner, job_worker):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,ada@example.com,", delimiter=";"))
    map_columns(owner, import_id, COLUMNS, delimiter=";")
    assert "Import 1 client<" in previewed(app, owner, import_id).text
    # Another delimiter is chosen on Map columns: the columns read, and the preview, change.
    reread = owner.post(
        f"/clients/import/{import_id}/columns",
        {"encoding": "utf-8", "delimiter": ",", "reread": "1"},
    )
    assert reread.status_code == 200
    stale = owner.get(f"/clients/import/{import_id}/preview")
    assert stale.status_code == 200 and "The preview is out of date" in stale.text
    assert "to create" not in stale.text and "Import 1 client" not in stale.text
    assert '<button type="submit" form="import-options"' in stale.text  # Preview again
    again = owner.post(
        f"/clients/import/{import_id}/preview", {"match_key": "email", "on_match": "skip"}
    )
    assert again.status_code == 200 and "out of date" not in again.text
    page = previewed(app, owner, import_id)
    assert "out of date" not in page.text
    assert "Columns read: First name;Last name;Email;Phone → Email</p>" in page.text  # one column
    assert re.search(r"<dt>with errors</dt><dd[^>]*>1</dd>", page.text)  # no first name


def _workbook_broken_at(row: int) -> bytes:
    """A workbook whose sheet's XML breaks at `row`, well after the first rows."""
    original = big_workbook("true", 90, 6)
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(f'<row r="{row}">'.encode(), f'<row r="{row}"><c'.encode())
            target.writestr(item, data)
    return output.getvalue()


WHOLE_FILE_ERRORS = {
    "too many rows (CSV)": (
        lambda: csv_bytes(HEADINGS, *[f"R{n},Lee,," for n in range(150)]),
        "clients.csv",
        "The file has more than 100 rows.",
    ),
    "too many rows (a workbook that says A1:D5)": (
        lambda: big_workbook("small", 150, 6),
        "clients.xlsx",
        "The file has more than 100 rows.",
    ),
    "a long cell in row 91": (
        lambda: csv_bytes(
            HEADINGS, *[f"R{n},Lee,,{'7' * 40_000 if n == 89 else ''}" for n in range(95)]
        ),
        "clients.csv",
        "Row 91 has a cell of 40,000 characters",
    ),
    "a workbook broken at row 80": (
        lambda: _workbook_broken_at(80),
        "clients.xlsx",
        "This workbook cannot be read to the end.",
    ),
}


@pytest.mark.parametrize("kind", list(WHOLE_FILE_ERRORS))
def test_what_only_the_whole_file_shows_is_told_on_the_preview_never_a_500(
    app, owner, job_worker, kind
):
    app.config["IMPORT_MAX_ROWS"] = 100  # the consumer runs this very app
    make, name, message = WHOLE_FILE_ERRORS[kind]
    import_id = uploaded(owner, make(), name)  # its first rows are fine
    chosen = list(chosen_columns(owner, import_id).values())
    assert map_columns(owner, import_id, chosen).status_code == 303
    page = previewed(app, owner, import_id)
    assert page.status_code == 200
    alert = re.search(r'<p class="alert alert--error" role="alert">([^<]*)</p>', page.text)
    assert alert and message in alert.group(1), page.text[-2000:]
    assert "formaction" not in page.text and "to create" not in page.text
    assert 'hx-trigger="every 1s"' not in page.text  # over: no more polling
    polled = owner.get(f"/clients/import/{import_id}/preview/status", hx=True)
    assert polled.status_code == 200 and message in polled.text.replace("&#39;", "'")


def test_a_workbooks_cells_read_as_spreadsheet_programs_show_them(app_ctx):
    """Shared strings with rich text, inline strings, booleans, errors, dates by style
    and as text, leading zeros, cells and rows without their reference."""
    book_ = Workbook()
    book_.active.append(["First name", date(2020, 1, 1)])
    base = io.BytesIO()
    book_.save(base)
    with zipfile.ZipFile(base) as source:
        date_style = re.search(
            rb'<c r="B1" s="(\d+)"', source.read("xl/worksheets/sheet1.xml")
        ).group(1)
    serial = int(to_excel(date(1990, 4, 12)))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Birthday</t>'
        '</is></c><c t="s"><v>1</v></c><c r="E1" t="str"><v>Score</v></c></row>'
        f'<row><c t="s"><v>2</v></c><c s="{date_style.decode()}"><v>{serial}</v></c>'
        '<c t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c></row>'
        '<row r="5"><c r="A5" t="inlineStr"><is><r><t>Zo</t></r><r><t>ë</t></r></is></c>'
        '<c r="B5" t="d"><v>1990-04-12T00:00:00</v></c><c r="C5"><v>007</v></c>'
        '<c r="D5"><v>1.50</v></c><c r="E5"><v>12</v></c></row>'
        "</sheetData></worksheet>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>First name</t></si><si><t>Active</t></si>"
        '<si><r><t>Ada</t></r><r><t xml:space="preserve"> Lee</t></r><rPh><t>エイダ</t></rPh></si>'
        "</sst>"
    )
    content = with_parts(
        base.getvalue(), {"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": strings}
    )
    table = read_table(content, "xlsx")
    assert table.headers == ["First name", "Birthday", "Active", "Column D", "Score"]
    assert table.rows == [
        (2, ["Ada Lee", "1990-04-12", "TRUE", "", "#N/A"]),
        (5, ["Zoë", "1990-04-12", "7", "1.5", "12"]),
    ]


# --- the import job -------------------------------------------------------------------------


def test_a_google_contacts_file_imports_with_labels_notes_and_timelines(app, owner, job_worker):
    with app.app_context():
        vip = label_ops.create_label("VIP", "teal", owner.staff).id
    import_id = uploaded(owner, (FILES / "google-contacts.csv").read_bytes(), "contacts.csv")
    chosen = list(chosen_columns(owner, import_id).values())
    assert map_columns(owner, import_id, chosen).status_code == 303
    job = run_import(app, owner, import_id, labels=[vip])
    assert job.result == {"created": 3, "updated": 0, "skipped": 0, "failed": 0}
    found = clients_by_first_name(app)
    amara = found["Amara"]
    assert (amara.email, amara.phone, amara.city, amara.country) == (
        "amara@example.com",
        "+447911123456",
        "London",
        "GB",
    )
    assert amara.birth_date == date(1990, 4, 12)
    assert found["Bruno"].birth_date == date(1985, 5, 12)  # day first in the business locale
    assert found["Chloé"].country == "FR"
    with app.app_context():
        note = db.session.scalars(select(Note).where(Note.client_id == amara.id)).one()
        assert (
            "Notes: Prefers mornings" in note.body and "Phone 2 - Value: 020 7946 0958" in note.body
        )
        labelled = db.session.scalars(
            select(client_labels.c.client_id).where(client_labels.c.label_id == vip)
        ).all()
        assert sorted(labelled) == sorted(client.id for client in found.values())
    timeline = owner.get(f"/clients/{amara.id}/activity/timeline", hx=True)
    assert (
        "Imported" in timeline.text
        and "From file" in timeline.text
        and "contacts.csv" in timeline.text
    )
    page = owner.get(f"/clients/import/{import_id}")
    assert "<h2>Import</h2>" in page.text and re.search(r"<dt>created</dt><dd>3</dd>", page.text)
    assert "Revert import" in page.text and "hx-get" not in page.text  # finished: no polling
    assert not (Path(app.config["EXPORT_FILES_DIR"]) / f"import-{import_id}.bin").exists()


def test_a_vcard_imports_its_first_email_and_mobile_and_the_rest_into_a_note(
    app, owner, job_worker
):
    import_id = uploaded(owner, (FILES / "phone-contacts.vcf").read_bytes(), "contacts.vcf")
    chosen = chosen_columns(owner, import_id)
    assert chosen["Email 1"] == "email" and chosen["Email 2"] == "note"
    assert chosen["Phone 1"] == "phone" and chosen["Phone 3"] == "note"
    map_columns(owner, import_id, list(chosen.values()))
    preview = previewed(app, owner, import_id)  # Jörg has no email
    assert preview.status_code == 200 and "Jörg Müller" in preview.text
    job = run_import(app, owner, import_id)
    assert job.result["created"] == 2
    hana = clients_by_first_name(app)["Hana"]
    assert (hana.email, hana.phone, hana.birth_date) == (
        "hana@example.com",
        "+447911123459",
        date(1988, 7, 1),
    )
    with app.app_context():
        note = db.session.scalars(select(Note).where(Note.client_id == hana.id)).one().body
    assert "hana.nakamura@work.example.com" in note and "020 7946 0018" in note
    assert "9j/4AAQ" not in note
    assert clients_by_first_name(app)["Jörg"].phone == "+4915123456789"


def test_the_job_reports_failed_rows_as_a_csv_with_their_errors(app, owner, job_worker):
    content = csv_bytes(
        HEADINGS,
        "Ada,Lee,ada@example.com,",
        "Bob,Lee,broken@,",
        '=HYPERLINK("x"),Formula,f@example.com,nope',
    )
    import_id = uploaded(owner, content)
    columns = ["first_name", "last_name", "email", "phone"]
    map_columns(owner, import_id, columns, bad_values="skip")
    job = run_import(app, owner, import_id)
    assert job.result == {"created": 1, "updated": 0, "skipped": 0, "failed": 2}
    page = owner.get(f"/clients/import/{import_id}")
    assert re.search(r"<dt>failed</dt><dd[^>]*>2</dd>", page.text)
    answer = owner.get(f"/clients/import/{import_id}/failed-rows.csv")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Errors", "First name", "Last name", "Email", "Phone"]
    assert rows[1][0] == "3" and rows[1][1].startswith("Email: Enter a valid email address.")
    assert rows[2][0] == "4" and rows[2][2] == '\'=HYPERLINK("x")'  # quoted, never run
    stored = Path(app.config["EXPORT_FILES_DIR"]) / f"import-{import_id}-failed.bin"
    assert b"broken@" not in stored.read_bytes()  # encrypted at rest


def test_update_and_fill_change_only_what_they_should(app, owner, job_worker, client_factory):
    full = client_factory(first_name="Ann", last_name="Old", email="ann@example.com", city="Leeds")
    sparse = client_factory(first_name="Ben", last_name=None, email="ben@example.com")
    content = csv_bytes(
        "First name,Last name,Email,City",
        "Ann,New,ann@example.com,York",
        ",Filled,BEN@example.com,Hull",  # no first name: fine for a client that exists
    )
    import_id = uploaded(owner, content)
    map_columns(owner, import_id, ["first_name", "last_name", "email", "city"])
    job = run_import(app, owner, import_id, on_match="fill")
    assert job.result == {"created": 0, "updated": 1, "skipped": 1, "failed": 0}
    with app.app_context():
        assert db.session.get(Client, full).last_name == "Old"  # filled only what was empty
        ben = db.session.get(Client, sparse)
        assert (ben.first_name, ben.last_name, ben.city) == ("Ben", "Filled", "Hull")
    import_id = uploaded(owner, content)
    map_columns(owner, import_id, ["first_name", "last_name", "email", "city"])
    job = run_import(app, owner, import_id, on_match="update")
    assert job.result == {"created": 0, "updated": 1, "skipped": 1, "failed": 0}
    with app.app_context():
        ann = db.session.get(Client, full)
        assert (ann.last_name, ann.city) == ("New", "York")
        event = db.session.scalars(
            select(Activity).where(Activity.client_id == full, Activity.verb == "client.imported")
        ).one()
        assert event.changes["last_name"] == ["Old", "New"] and event.client_version == ann.version


def test_a_form_opened_before_an_import_keeps_the_imported_values_when_saved(
    app, owner, job_worker, client_factory
):
    ann = client_factory(first_name="Ann", last_name="Old", email="ann@example.com")
    with app.app_context():
        seen = db.session.get(Client, ann).version
    import_id = uploaded(owner, csv_bytes("First name,Last name,Email", "Ann,New,ann@example.com"))
    map_columns(owner, import_id, ["first_name", "last_name", "email"])
    run_import(app, owner, import_id, on_match="update")
    with app.app_context():
        # The form still says "Old"; its editor typed a city only.
        detail_ops.update_client(
            db.session.get(Client, ann),
            {"last_name": "Old", "city": "York"},
            owner.staff,
            expected_version=seen,
        )
        saved = db.session.get(Client, ann)
        assert (saved.last_name, saved.city) == ("New", "York")


def test_matching_by_phone_compares_numbers_in_any_format(app, owner, job_worker, client_factory):
    known = client_factory(first_name="Phil", phone="+447911123456")
    import_id = uploaded(
        owner, csv_bytes("First name,Mobile", "Philip,07911 123456", "Pat,07911 123457")
    )
    map_columns(owner, import_id, ["first_name", "phone"])
    job = run_import(app, owner, import_id, match_key="phone", on_match="update")
    assert job.result == {"created": 1, "updated": 1, "skipped": 0, "failed": 0}
    with app.app_context():
        assert db.session.get(Client, known).first_name == "Philip"


def test_the_job_honours_the_client_limit(app, owner, job_worker):
    app.config["MAX_CLIENTS"] = 2  # the consumer runs this very app
    import_id = uploaded(
        owner, csv_bytes(HEADINGS, *[f"N{n},Lee,n{n}@example.com," for n in range(3)])
    )
    map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
    job = run_import(app, owner, import_id)
    assert job.result == {"created": 2, "updated": 0, "skipped": 0, "failed": 1}
    failed = owner.get(f"/clients/import/{import_id}/failed-rows.csv").data.decode("utf-8-sig")
    assert "Your plan allows 2 clients" in list(csv.reader(io.StringIO(failed)))[1][1]


def test_running_twice_starts_one_job(app, owner, job_worker):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,ada@example.com,"))
    map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
    run_import(app, owner, import_id)
    again = owner.post(
        f"/clients/import/{import_id}/run", {"match_key": "email", "on_match": "skip"}
    )
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
    # the steps before the import are over: they lead to its page
    assert owner.get(f"/clients/import/{import_id}/preview").status_code == 303
    assert owner.get(f"/clients/import/{import_id}/columns").status_code == 303


def test_the_progress_step_polls_while_the_job_runs(app, owner):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,ada@example.com,"))
    map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
    owner.post(f"/clients/import/{import_id}/run", {"match_key": "email", "on_match": "skip"})
    page = owner.get(f"/clients/import/{import_id}")  # no consumer: it waits
    assert 'hx-trigger="every 1s"' in page.text and "<progress" in page.text
    fragment = owner.get(f"/clients/import/{import_id}", hx=True)
    assert "<html" not in fragment.text and 'id="import-status"' in fragment.text


# --- revert ---------------------------------------------------------------------------------


def test_revert_removes_created_restores_updated_and_lists_the_blocked(
    app, owner, job_worker, client_factory, login
):
    existing = client_factory(first_name="Ann", last_name="Old", email="ann@example.com")
    with app.app_context():
        vip = label_ops.create_label("VIP", "teal", owner.staff).id
    content = csv_bytes(
        "First name,Last name,Email,Notes",
        "Ann,New,ann@example.com,from the file",
        "Kept,Plain,kept@example.com,",
        "Edited,Later,edited@example.com,",
        "Booked,Twice,booked@example.com,",
    )
    import_id = uploaded(owner, content, "spring.csv")
    map_columns(owner, import_id, ["first_name", "last_name", "email", "note"])
    run_import(app, owner, import_id, on_match="update", labels=[vip])
    found = clients_by_first_name(app)
    editor = login("manager", name="Maria Manager")
    with app.app_context():
        edited = db.session.get(Client, found["Edited"].id)
        detail_ops.update_client(edited, {"city": "York"}, editor.staff)
    who = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    for hour in ("10:00", "12:00"):
        book(app, owner.staff, found["Booked"].id, massage, who.id, future_day(), at=hour)

    page = owner.get(f"/clients/import/{import_id}")
    assert "edited since by Maria Manager" in page.text and "has 2 sessions" in page.text
    answer = owner.post(f"/clients/import/{import_id}/revert")
    assert answer.status_code == 303
    after = clients_by_first_name(app)
    assert "Kept" not in after  # created and untouched: removed
    assert "Edited" in after and "Booked" in after  # changed since: kept
    assert after["Ann"].last_name == "Old"  # updated: restored
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Note).where(Note.client_id == existing)
            )
            == 0
        )
        assert not db.session.scalars(
            select(client_labels.c.label_id).where(client_labels.c.client_id == existing)
        ).all()
        events = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == existing).order_by(Activity.id)
        ).all()
        assert events[-2:] == ["client.imported", "client.import_reverted"]
        record = db.session.get(ClientImport, import_id)
        assert record.reverted_at is not None and record.reverted_by_id == owner.staff.id
    page = owner.get(f"/clients/import/{import_id}")
    assert "1 created client removed, 1 updated client restored" in page.text
    assert "edited since by Maria Manager" in page.text and "has 2 sessions" in page.text
    assert "Revert import" not in page.text
    # once is all
    assert owner.post(f"/clients/import/{import_id}/revert").status_code == 303
    assert "Ann" in clients_by_first_name(app)


def test_revert_keeps_the_imports_own_note_from_blocking(app, owner, job_worker):
    import_id = uploaded(owner, csv_bytes("First name,Notes", "Nia,hello", "Noor,"))
    map_columns(owner, import_id, ["first_name", "note"])
    run_import(app, owner, import_id)
    noor = clients_by_first_name(app)["Noor"]
    with app.app_context():
        note_ops.add_note(db.session.get(Client, noor.id), "mine", owner.staff)
    page = owner.get(f"/clients/import/{import_id}")
    blocked = re.search(r'<ul class="import-blocked">(.*?)</ul>', page.text, re.S).group(1)
    assert "Noor</a>: has 1 note" in blocked and "Nia" not in blocked
    owner.post(f"/clients/import/{import_id}/revert")
    after = clients_by_first_name(app)
    assert "Nia" not in after and "Noor" in after
    with app.app_context():  # the import's note went with its client
        assert db.session.scalar(select(func.count()).select_from(Note)) == 1


# --- permissions, ownership, odd ids, query budgets --------------------------------------------


def _import_urls(import_id):
    return [
        ("get", f"/clients/import/{import_id}/columns"),
        ("post", f"/clients/import/{import_id}/columns"),
        ("get", f"/clients/import/{import_id}/preview"),
        ("post", f"/clients/import/{import_id}/preview"),
        ("get", f"/clients/import/{import_id}/preview/status"),
        ("post", f"/clients/import/{import_id}/run"),
        ("get", f"/clients/import/{import_id}"),
        ("get", f"/clients/import/{import_id}/failed-rows.csv"),
        ("post", f"/clients/import/{import_id}/revert"),
    ]


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_only_import_export_staff_reach_any_import_page(app, owner, login, role):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,,"))
    other = login(role)
    assert other.get("/clients/import").status_code == 403
    assert upload(other, csv_bytes(HEADINGS, "Ada,Lee,,")).status_code == 403
    for method, url in _import_urls(import_id):
        assert getattr(other, method)(url).status_code == 403, url
    assert "Import clients" not in other.get("/clients").text
    assert 'href="/clients/import">Import clients</a>' in owner.get("/clients").text


def test_an_import_belongs_to_its_maker_and_owners(app, owner, login):
    manager = login("manager")
    import_id = uploaded(manager, csv_bytes(HEADINGS, "Ada,Lee,,"))
    another_manager = login("manager")
    for method, url in _import_urls(import_id):
        assert getattr(another_manager, method)(url).status_code == 404, url
    assert "clients.csv" not in another_manager.get("/clients/import").text
    assert owner.get(f"/clients/import/{import_id}/columns").status_code == 200  # manages staff
    assert "clients.csv" in owner.get("/clients/import").text


@pytest.mark.parametrize("odd", ["%C2%B2", "%D9%A3", "-1", "0", str(10**20), "abc", "999"])
def test_odd_or_unknown_ids_are_404(app, owner, odd):
    for method, url in _import_urls(odd):
        assert getattr(owner, method)(url).status_code == 404, url


def test_the_pages_cost_the_same_queries_whatever_the_files_size(
    app, owner, count_queries, client_factory
):
    client_factory(first_name="Known", email="known0@example.com")

    def costs(rows: int) -> list[int]:
        lines = [f"Name{n},Lee,known{n}@example.com,07911 1{n:05d}" for n in range(rows)]
        import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
        measured = []
        for url in (
            f"/clients/import/{import_id}/columns",
            f"/clients/import/{import_id}/preview",  # not previewed yet
            "mapped",
            f"/clients/import/{import_id}/preview",  # its job waits for a worker
            f"/clients/import/{import_id}/preview/status",
            f"/clients/import/{import_id}",
            "/clients/import",
        ):
            if url == "mapped":
                map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
                continue
            with count_queries() as statements:
                assert owner.get(url).status_code == 200
            measured.append(len(statements))
        return measured

    assert costs(5) == costs(60)


def test_a_finished_preview_costs_the_same_queries_whatever_the_files_size(
    app, owner, count_queries, client_factory, job_worker
):
    for n in range(3):
        client_factory(first_name="Known", email=f"known{n}@example.com")

    def costs(rows: int) -> list[int]:
        lines = [f"Name{n},Lee,known{n}@example.com," for n in range(rows)]
        import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
        map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
        previewed(app, owner, import_id)
        measured = []
        for query in ("", "?show=skip", "?show=all"):
            for path in ("preview", "preview/status"):
                with count_queries() as statements:
                    page = owner.get(f"/clients/import/{import_id}/{path}{query}")
                    assert page.status_code == 200 and "to create" in page.text
                measured.append(len(statements))
        return measured

    assert costs(5) == costs(300)  # 300: more rows than the page lists


def test_an_imported_revert_page_costs_the_same_for_more_clients(
    app, owner, job_worker, count_queries
):
    def cost(rows: int) -> int:
        lines = [f"Name{n},Lee,p{rows}x{n}@example.com," for n in range(rows)]
        import_id = uploaded(owner, csv_bytes(HEADINGS, *lines))
        map_columns(owner, import_id, ["first_name", "last_name", "email", "phone"])
        run_import(app, owner, import_id)
        with count_queries() as statements:
            assert owner.get(f"/clients/import/{import_id}").status_code == 200
        return len(statements)

    assert cost(3) == cost(40)


def test_an_abandoned_upload_is_removed_after_a_day(app, owner):
    import_id = uploaded(owner, csv_bytes(HEADINGS, "Ada,Lee,,"))
    path = Path(app.config["EXPORT_FILES_DIR"]) / f"import-{import_id}.bin"
    assert path.exists() and b"Ada" not in path.read_bytes()
    old = time.time() - 2 * 24 * 3600
    import os

    os.utime(path, (old, old))
    page = owner.get(f"/clients/import/{import_id}/columns")
    assert page.status_code == 303
    assert "The uploaded file was removed" in owner.get(page.headers["Location"]).text
    uploaded(owner, csv_bytes(HEADINGS, "Bea,Lee,,"))  # the next upload sweeps it
    assert not path.exists()


def test_an_erased_client_leaves_nothing_in_the_import_and_its_revert_says_so(
    app, owner, job_worker
):
    from app.models import ImportedClient

    import_id = uploaded(
        owner, csv_bytes("First name,Last name,Email,Notes", "Eve,Erased,eve@example.com,Call")
    )
    map_columns(owner, import_id, ["first_name", "last_name", "email", "note"])
    run_import(app, owner, import_id)
    with app.app_context():
        eve = db.session.scalar(select(Client).where(Client.email == "eve@example.com"))
        privacy_ops.erase_client(eve, "Eve Erased", owner.staff)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ImportedClient)
                .where(ImportedClient.import_id == import_id)
            )
            == 0
        )
    page = owner.get(f"/clients/import/{import_id}")
    assert page.status_code == 200 and "Eve" not in page.text
    reverted = owner.post(f"/clients/import/{import_id}/revert")
    assert reverted.status_code in (200, 303)
    with app.app_context():
        assert db.session.get(ClientImport, import_id).reverted_at is not None


def test_the_failed_rows_file_quotes_formulas_in_headings_and_cells():
    from app.data.imports.ops import failed_rows_csv
    from app.data.imports.rows import CheckedRow

    row = CheckedRow(2, ["=HYPERLINK(1)", "ok"], {}, None, ["First name: Enter a first name."])
    text = failed_rows_csv(["=cmd|' /C calc'!A0", "Email"], [(row, row.errors)]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Errors", "'=cmd|' /C calc'!A0", "Email"]
    assert rows[1][2:] == ["'=HYPERLINK(1)", "ok"]
