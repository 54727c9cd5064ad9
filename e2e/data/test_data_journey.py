"""A newcomer's first day with their old data: a Google Contacts export and a phone's
contacts are imported (the preview's error fixed first), the duplicates the two files
made are found and merged, one merge is undone, the first import is reverted (the
clients changed since stay, and say why), and the filtered list is exported."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

GOOGLE_CSV = (
    "First Name,Last Name,Birthday,E-mail 1 - Value,Phone 1 - Value\n"
    "Hana,Journeyman,1991-02-03,hana@journey.example.com,07911 200001\n"
    "Ivo,Journeyman,,ivo@journey.example.com,07911 200002\n"
    "Una,Journeyman,someday,una@journey.example.com,\n"
)
PHONE_VCF = """BEGIN:VCARD
VERSION:3.0
N:Journeyman;Hana;;;
FN:Hana Journeyman
EMAIL;TYPE=HOME:HANA@journey.example.com
TEL;TYPE=CELL:+44 7911 200009
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Jorneyman;Ivo;;;
FN:Ivo Jorneyman
TEL;TYPE=CELL:07911 200002
END:VCARD
"""


def _upload(page, path: Path) -> None:
    page.goto("/clients")
    page.get_by_role("link", name="Import clients").click()
    page.get_by_label("File").set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=2, name="Map columns")).to_be_visible()


def _import(page, count: int) -> None:
    page.get_by_role("button", name=f"Import {count} clients").click()
    expect(page.get_by_role("heading", level=2, name="Import")).to_be_visible()
    expect(page.get_by_role("button", name="Revert import")).to_be_visible(timeout=15_000)


def _merge_pair(page, name: str, keep: tuple[str, str] | None = None) -> int:
    """Merge the finder's pair for `name`; the survivor's id."""
    page.goto("/clients/duplicates")
    page.get_by_role("button", name="Find duplicates").click()
    pair = page.locator(".pair").filter(has_text=name)
    expect(pair).to_have_count(1, timeout=15_000)
    pair.get_by_role("link", name=re.compile("^Merge")).click()
    expect(page.get_by_role("heading", name="Merge profiles")).to_be_visible()
    if keep:  # (field, the start of the value to keep)
        field, value = keep
        page.get_by_role("group", name=field).get_by_role(
            "radio", name=re.compile("^" + re.escape(value))
        ).check()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_import_two_files_merge_their_duplicates_undo_revert_and_export(
    live_server, staff_page, tmp_path
):
    page = staff_page
    google = tmp_path / "google-contacts.csv"
    google.write_text(GOOGLE_CSV, encoding="utf-8")
    phone = tmp_path / "contacts.vcf"
    phone.write_text(PHONE_VCF, encoding="utf-8")

    # 1. The Google export, a bad value skipping its row: the preview shows Una's
    # birthday cannot be read; the birthday column is set aside, and the three import
    # with a progress bar.
    _upload(page, google)
    page.get_by_label("Skip the row").check()
    page.get_by_role("button", name="Preview").click()
    error_row = page.locator("tr.import-row--error")
    expect(error_row).to_have_count(1)
    expect(error_row).to_contain_text("Birth date")
    page.get_by_role("link", name="Change the columns").click()
    page.get_by_label("Birthday", exact=True).select_option("")
    page.get_by_role("button", name="Preview").click()
    expect(error_row).to_have_count(0)
    _import(page, 3)
    google_import = page.url
    expect(page.get_by_role("definition").filter(has_text=re.compile(r"^3$"))).to_be_visible()

    # 2. The phone's contacts, each a new client: the duplicates a real import makes.
    _upload(page, phone)
    page.get_by_role("button", name="Preview").click()
    page.get_by_label("None: every row is a new client").check()
    expect(page.get_by_role("button", name="Import 2 clients")).to_be_enabled()
    _import(page, 2)

    # 3. The finder shows both pairs and why; both are merged, the second is undone.
    hana = _merge_pair(page, "Hana Journeyman", keep=("Phone", "07911 200009"))
    expect(page.get_by_role("heading", level=1, name="Hana Journeyman")).to_be_visible()
    expect(page.locator("a[href^=tel]").first).to_have_attribute("href", "tel:+447911200009")
    ivo = _merge_pair(page, "Ivo Jorneyman")
    page.get_by_role("button", name="Undo merge").click()
    expect(page).to_have_url(re.compile(f"/clients/{ivo}$"))
    expect(page.get_by_role("button", name="Undo merge")).to_have_count(0)
    page.goto("/clients?q=Jorneyman")
    expect(page.get_by_role("link", name="Ivo Jorneyman")).to_be_visible()

    # 4. Revert the Google import: Una goes; Hana and Ivo changed since, and say how.
    page.goto(google_import)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revert import").click()
    expect(page.get_by_role("heading", level=3, name="Reverted")).to_be_visible()
    expect(page.get_by_text("1 created client removed")).to_be_visible()
    stayed = page.locator(".import-blocked li")
    expect(stayed).to_have_count(2)
    page.goto("/clients?q=Journeyman")
    expect(page.get_by_role("link", name="Una Journeyman")).to_have_count(0)
    expect(page.get_by_role("link", name="Hana Journeyman")).to_have_count(1)

    # 5. Export the list as it stands (the search applied).
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_role("heading", name="Export")).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export", exact=True).click()
    rows = list(csv.reader(io.StringIO(Path(waiting.value.path()).read_text(encoding="utf-8-sig"))))
    names = sorted((row[0], row[1]) for row in rows[1:])
    assert names == [("Hana", "Journeyman"), ("Ivo", "Journeyman")]
    emails = {row[2] for row in rows[1:]}
    assert "hana@journey.example.com" in emails and hana > 0
