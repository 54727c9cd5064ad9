"""Exporting the client list: the list's own filters, the ticked columns, formulas
neutralised, CSV and XLSX that read back; a long list as a job with an encrypted file."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.extensions import db
from app.data import list_export
from app.models import DataExport
from tests.helpers.jobs import wait_for_end


def _csv_rows(response) -> list[list[str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def three(client_factory):
    return [
        client_factory(first_name="Ada", last_name="Lovelace", email="ada@example.com"),
        client_factory(first_name='=HYPERLINK("x")', last_name="Formula", phone="+442079460958"),
        client_factory(first_name="Zoë", last_name="Zeller", email="zoe@example.com"),
    ]


def test_the_list_as_it_stands_exports_to_csv_with_the_ticked_columns(app, owner, three):
    page = owner.get("/clients/export?q=zeller")
    assert page.status_code == 200 and "1 client" in page.text and "matching “zeller”" in page.text
    answer = owner.post(
        "/clients/export",
        {"q": "zeller", "show": "active", "file_format": "csv", "columns": ["last_name", "email"]},
    )
    assert answer.status_code == 200
    assert 'attachment; filename="clients-' in answer.headers["Content-Disposition"]
    assert _csv_rows(answer) == [["Last name", "Email"], ["Zeller", "zoe@example.com"]]
    with app.app_context():
        record = db.session.scalars(select(DataExport)).one()
    assert (record.staff_id, record.row_count, record.file_format) == (owner.staff.id, 1, "csv")
    assert record.filtered and record.columns == "last_name,email"


def test_formulas_are_neutralised_and_both_formats_read_back(app, owner, three):
    columns = ["first_name", "last_name", "phone", "email"]
    rows = _csv_rows(owner.post("/clients/export", {"file_format": "csv", "columns": columns}))
    by_last = {row[1]: row for row in rows[1:]}
    assert by_last["Formula"][0] == '\'=HYPERLINK("x")'
    assert rows[0] == ["First name", "Last name", "Email", "Phone"]  # the file's order
    assert by_last["Formula"][3] == "+442079460958"  # a phone number is not a formula
    assert by_last["Zeller"][0] == "Zoë"  # the BOM keeps accents right in spreadsheets
    answer = owner.post("/clients/export", {"file_format": "xlsx", "columns": columns})
    assert answer.headers["Content-Type"] == list_export.MEDIA_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(answer.data), read_only=True).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == ["First name", "Last name", "Email", "Phone"]
    assert ['\'=HYPERLINK("x")', "Formula", None, "+442079460958"] in cells
    assert len(cells) == 4


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\0x", "'\0x"),
        ("+442079460958", "+442079460958"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_every_formula_start_is_quoted(value, safe):
    assert list_export.spreadsheet_safe(value) == safe


def test_bad_export_input_is_told_beside_the_field_and_the_rest_is_kept(app, owner, three):
    answer = owner.post("/clients/export", {"q": "ada", "file_format": "xlsx", "columns": []})
    assert answer.status_code == 422
    assert "Tick at least one column." in answer.text
    assert re.search(r'<input checked[^>]*value="xlsx"', answer.text)  # the format chosen stays
    assert 'name="q" value="ada"' in answer.text
    assert owner.get("/clients/export?label=%C2%B2").status_code == 400
    odd = owner.post("/clients/export", {"file_format": "pdf", "columns": ["email"]})
    assert odd.status_code == 422


def test_only_import_export_staff_export_and_only_the_asker_sees_a_job(app, login, three):
    front_desk = login("front_desk")
    assert front_desk.get("/clients/export").status_code == 403
    assert front_desk.post("/clients/export", {"columns": ["email"]}).status_code == 403


def test_a_long_list_exports_as_a_job_whose_file_is_encrypted(
    app,
    owner,
    login,
    three,
    job_worker,
    monkeypatch,
):
    monkeypatch.setattr(list_export, "INLINE_ROWS", 2)
    answer = owner.post("/clients/export", {"file_format": "csv", "columns": ["email"]})
    assert answer.status_code == 303
    job_url = answer.headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    assert "Export" in owner.get(job_url).text
    finished = wait_for_end(app, job_id)
    assert finished.status == "done" and finished.result["rows"] == 3
    stored = app.config["EXPORT_FILES_DIR"] + "/" + finished.result["file"]
    with open(stored, "rb") as raw:
        assert b"ada@example.com" not in raw.read()  # encrypted at rest
    page = owner.get(job_url, hx=True)
    assert "3 clients exported." in page.text and "hx-trigger" not in page.text
    download = owner.get(f"{job_url}/download")
    with app.app_context():
        record = db.session.scalars(select(DataExport)).one()
    assert (record.row_count, record.job_id, record.staff_id) == (3, job_id, owner.staff.id)
    assert sorted(row[0] for row in _csv_rows(download)[1:]) == [
        "",
        "ada@example.com",
        "zoe@example.com",
    ]
    manager = login("manager")
    assert manager.get(job_url).status_code == 404
    assert manager.get(f"{job_url}/download").status_code == 404
    assert owner.get("/jobs/999999").status_code == 404
    # Another owner follows the job, but the file is only for the person who asked.
    other_owner = login("owner")
    followed = other_owner.get(job_url)
    assert followed.status_code == 200 and "3 clients exported." in followed.text
    assert f"{job_url}/download" not in followed.text
    assert "only they can download it" in followed.text
    refused = other_owner.get(f"{job_url}/download")
    assert refused.status_code == 403 and "zoe@example.com" not in refused.text
