"""Importing clients in a real browser: a Google Contacts CSV through Upload, Map columns,
Preview (a job: its progress bar, then what it found; an error row fixed by changing a
column's mapping), Import with its progress bar and summary; a phone's .vcf; and Revert
import. Screenshots at phone, tablet and desk widths for a person to look at."""

import re
from pathlib import Path

from playwright.sync_api import expect

from e2e.helpers import VIEWPORTS, mark_document, same_document

ROWS = 3_000  # enough for the jobs to take a moment, so the progress bars show
JOB_SECONDS = 30  # how long a step may wait for its job (two shared cores)


def _google_csv(folder: Path) -> Path:
    lines = [
        "First Name,Middle Name,Last Name,Birthday,E-mail 1 - Label,E-mail 1 - Value,"
        "Phone 1 - Label,Phone 1 - Value,Notes"
    ]
    lines.append(",,,someday,,broken-row@example.com,,,")  # no name, no real date
    lines.append("Gina,,Google,1990-04-12,* Home,gina.google@example.com,Mobile,07911 123456,VIP")
    for number in range(ROWS):
        lines.append(f"Guest{number},,Import,,,guest{number}@import.example.com,,,")
    path = folder / "google-contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VCARD = """BEGIN:VCARD
VERSION:3.0
N:Vega;Valentina;;;
FN:Valentina Vega
EMAIL;TYPE=HOME:valentina@example.com
EMAIL;TYPE=WORK:v.vega@work.example.com
TEL;TYPE=CELL:07911 123457
TEL;TYPE=HOME:020 7946 0018
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Vance;Victor;;;
FN:Victor Vance
TEL;TYPE=CELL:07911 123458
END:VCARD
"""


def _shots(page, screenshots, name: str) -> None:
    for width in ("phone", "tablet", "desk"):
        page.set_viewport_size(VIEWPORTS[width])
        page.screenshot(path=screenshots / f"import-{name}-{width}.png", full_page=True)
    page.set_viewport_size(VIEWPORTS["desk"])


def test_a_google_contacts_file_is_mapped_previewed_fixed_and_imported(
    live_server, staff_page, screenshots, tmp_path
):
    page = staff_page
    page.get_by_role("link", name="Import clients").click()
    expect(page.get_by_role("heading", level=2, name="Upload")).to_be_visible()
    page.get_by_label("File").set_input_files(_google_csv(tmp_path))
    _shots(page, screenshots, "upload")
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", level=2, name="Map columns")).to_be_visible()
    expect(page.get_by_label("E-mail 1 - Value", exact=True)).to_have_value("email")
    expect(page.get_by_label("Birthday", exact=True)).to_have_value("birth_date")
    expect(page.get_by_label("Notes", exact=True)).to_have_value("note")
    _shots(page, screenshots, "columns")
    with page.expect_response(re.compile(r"/preview$")) as first_look:
        page.get_by_role("button", name="Preview").click()
    # The preview is a job: the page it opens on shows its progress, and polls.
    assert 'id="preview-progress"' in first_look.value.text()
    page.screenshot(path=screenshots / "import-preview-progress-desk.png")  # most often running

    expect(page.get_by_role("heading", level=2, name="Preview")).to_be_visible()
    error_row = page.locator("tr.import-row--error")
    expect(error_row).to_have_count(1, timeout=JOB_SECONDS * 1000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    expect(error_row).to_contain_text("Birth date: Enter a real date")
    expect(error_row).to_contain_text("First name: Enter a first name.")
    _shots(page, screenshots, "preview")

    # Fix it by changing a mapping: the birthday column is ignored, and the empty name
    # is still an error, so that row is left out; the match choice redraws in place.
    page.get_by_role("link", name="Change the columns").click()
    page.get_by_label("Birthday", exact=True).select_option("")
    page.get_by_role("button", name="Preview").click()
    expect(error_row).to_have_count(1, timeout=JOB_SECONDS * 1000)
    expect(error_row).not_to_contain_text("Birth date")
    mark_document(page)
    with page.expect_response(re.compile(r"/preview$")) as changed:
        page.get_by_label("Fill only the client's empty fields").check()
    assert 'id="preview-progress"' in changed.value.text()  # previewed again, as a job
    expect(page.get_by_label("Fill only the client's empty fields")).to_be_checked()
    import_button = page.get_by_role("button", name=f"Import {ROWS + 1:,} clients")
    expect(import_button).to_be_enabled(timeout=JOB_SECONDS * 1000)
    assert same_document(page)  # the preview redrew in place, then its result
    import_button.click()

    expect(page.get_by_role("heading", level=2, name="Import")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/import/\d+$"))
    progress = page.get_by_role("progressbar", name="Progress")
    expect(progress).to_be_visible()  # the page polls while the job runs
    _shots(page, screenshots, "progress")
    summary = page.get_by_role("definition").filter(has_text=re.compile(rf"^{ROWS + 1:,}$"))
    expect(summary).to_be_visible(timeout=30_000)
    expect(progress).to_have_count(0)
    expect(page.get_by_role("link", name="Download the failed rows (CSV)")).to_be_visible()
    _shots(page, screenshots, "summary")

    page.goto("/clients?q=gina.google")
    page.get_by_role("link", name="Gina Google").click()
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_text("Imported", exact=True)).to_be_visible()
    expect(page.get_by_text("google-contacts.csv")).to_be_visible()


def test_a_phones_contacts_import_and_revert(live_server, staff_page, screenshots, tmp_path):
    page = staff_page
    card_file = tmp_path / "phone.vcf"
    card_file.write_text(VCARD, encoding="utf-8")
    page.goto("/clients/import")
    page.get_by_label("File").set_input_files(card_file)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=2, name="Map columns")).to_be_visible()
    expect(page.get_by_label("Email 2", exact=True)).to_have_value("note")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=2, name="Preview")).to_be_visible()
    expect(page.get_by_role("cell", name="Valentina Vega valentina@example.com")).to_be_visible(
        timeout=JOB_SECONDS * 1000
    )
    page.get_by_role("button", name="Import 2 clients").click()
    expect(page.get_by_role("button", name="Revert import")).to_be_visible(timeout=15_000)
    _shots(page, screenshots, "revert")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revert import").click()
    expect(page.get_by_role("heading", level=3, name="Reverted")).to_be_visible()
    expect(page.get_by_text("2 created clients removed")).to_be_visible()
    _shots(page, screenshots, "reverted")
    page.goto("/clients?q=Valentina")
    expect(page.get_by_role("link", name="Valentina Vega")).to_have_count(0)


def test_a_bad_file_is_told_beside_the_field(live_server, staff_page, console, tmp_path):
    console.allow(r"status of 422")  # the page with the message comes with its status
    page = staff_page
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    page.goto("/clients/import")
    page.get_by_label("File").set_input_files(empty)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_have_text("The file is empty.")
    expect(page.get_by_role("heading", level=2, name="Upload")).to_be_visible()
