"""Exporting the client list in a real browser: a short list downloads at once; a long one
is a background job whose page shows its progress and then the download."""

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from app.data import list_export
from e2e.helpers import VIEWPORTS


def _search(page, text: str) -> None:
    # The list's own search request, answered, then its rows.
    with page.expect_response(re.compile(rf"/clients\?q={text}")):
        page.get_by_label("Search clients").fill(text)
    expect(page.get_by_role("link", name=re.compile(text))).not_to_have_count(0)


def test_the_filtered_list_exports_to_a_spreadsheet(live_server, staff_page):
    page = staff_page
    for first in ("Exporta", "Exportb"):
        live_server.make_client(
            first_name=first, last_name="Spreadsheeter", email=f"{first}@example.com"
        )
    live_server.make_client(first_name="=SUM(A1)", last_name="Spreadsheeter")
    _search(page, "Spreadsheeter")
    page.get_by_label("Search clients").press("Enter")  # Enter searches; it never exports
    expect(page).to_have_url(re.compile(r"/clients\?q=Spreadsheeter"))
    page.get_by_role("button", name="Export", exact=True).click()  # not "Actions for Exporta …"
    expect(page.get_by_role("heading", name="Export")).to_be_visible()
    expect(page.get_by_text("3 clients of")).to_be_visible()
    page.get_by_label("Excel workbook (.xlsx)").check()
    page.get_by_label("Labels").uncheck()
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["First name", "Last name", "Email", "Phone"]
    assert sorted(row[0] for row in rows[1:]) == ["'=SUM(A1)", "Exporta", "Exportb"]


def test_a_long_list_exports_in_the_background_with_a_progress_page(
    live_server, staff_page, monkeypatch, screenshots
):
    monkeypatch.setattr(list_export, "INLINE_ROWS", 1)
    page = staff_page
    for first in ("Jobrun", "Jobwalk"):
        live_server.make_client(first_name=first, last_name="Queue", email=f"{first}@example.com")
    _search(page, "Queue")
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_text("made in the background")).to_be_visible()
    page.get_by_role("button", name="Export").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    download_button = page.get_by_role("link", name=re.compile("Download clients-"))
    expect(download_button).to_be_visible(timeout=15_000)  # the page polls until done
    expect(page.get_by_text("2 clients exported.")).to_be_visible()
    for width in ("phone", "tablet", "desk"):  # for a person to look at
        page.set_viewport_size(VIEWPORTS[width])
        page.screenshot(path=screenshots / f"export-job-{width}.png", full_page=True)
    with page.expect_download() as waiting:
        download_button.click()
    text = Path(waiting.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert sorted(row[0] for row in rows[1:]) == ["Jobrun", "Jobwalk"]


def test_typing_an_email_another_client_has_warns_without_blocking(live_server, staff_page):
    page = staff_page
    live_server.make_client(first_name="Dorothea", last_name="Twin", email="twin@example.com")
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Dora")
    page.get_by_label("Email").fill("TWIN@example.com")
    warning = page.get_by_role("status").filter(has_text="Possible duplicate")
    expect(warning).to_contain_text("Dorothea Twin")
    expect(warning.get_by_role("link", name="Dorothea Twin")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Dora")).to_be_visible()
