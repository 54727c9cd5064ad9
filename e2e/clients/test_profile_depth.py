"""The profile's depth, in a real browser: notes, labels, the lock, the trash, erasure,
export, alerts and the activity filters, each through the controls staff use."""

import csv
import io
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from app.clients import note_ops, privacy_ops
from app.core.extensions import db
from app.models import Client
from e2e.conftest import STAFF_NAME
from e2e.helpers import field

PROFILE_URL = re.compile(r"/clients/(\d+)$")


def on_client(live_server, client_id: int, action):
    """Run `action(client)` in the app, as the setup of a test (an ops call, say)."""
    with live_server.app.app_context():
        return action(db.session.get(Client, client_id))


def notes_list(page: Page):
    return page.get_by_role("list", name="Notes")


def note_item(page: Page, text: str):
    return notes_list(page).get_by_role("listitem").filter(has_text=text)


def add_note(page: Page, text: str) -> None:
    page.get_by_role("link", name="New note").click()
    note = field(page, "Note")
    expect(note).to_be_visible()
    note.fill(text)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("button", name="Add note")).to_have_count(0)
    expect(note_item(page, text)).to_have_count(1)


def header(page: Page):
    return page.locator("#profile-header")


def open_activity(page: Page):
    page.get_by_role("tab", name="Activity").click()
    timeline = page.get_by_role("list", name="Activity timeline")
    expect(timeline.locator("li.event").first).to_be_visible()
    return timeline


def search_clients(page: Page, text: str):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    page.wait_for_load_state()  # the search box answers once its script is running
    page.get_by_role("searchbox", name="Search clients").fill(text)
    expect(page).to_have_url(re.compile(rf"[?&]q={re.escape(text)}"))
    return page.locator("#client-results")


def client_row(page: Page, full_name: str):
    results = page.locator("#client-results")
    return results.get_by_role("row").filter(has=page.get_by_role("link", name=full_name))


# --- notes -----------------------------------------------------------------------------


def test_notes_are_added_edited_pinned_and_deleted_and_the_timeline_keeps_no_text(
    staff_page, live_server, console
):
    client_id = live_server.make_client(first_name="Cordelia", last_name="Notewright")
    page = staff_page
    page.goto(f"/clients/{client_id}")
    expect(page.get_by_role("region", name="Notes")).to_contain_text("No notes yet.")

    first_text = "Prefers the quiet room at the back; allergic to lavender oil."
    add_note(page, first_text)
    first = note_item(page, first_text)
    expect(first).to_contain_text(STAFF_NAME)
    expect(page.get_by_role("region", name="Notes")).not_to_contain_text("No notes yet.")

    edited_text = "Prefers the quiet room at the back; allergic to lavender and tea tree oil."
    first.get_by_role("link", name=re.compile(r"^Edit note: ")).click()
    editor = notes_list(page).get_by_role("textbox", name="Note")
    expect(editor).to_have_value(first_text)
    editor.fill(edited_text)
    notes_list(page).get_by_role("button", name="Save").click()
    edited = note_item(page, edited_text)
    expect(edited).to_contain_text("edited")
    expect(notes_list(page)).not_to_contain_text("allergic to lavender oil.")

    second_text = "Parking permit renewed until the end of the year."
    add_note(page, second_text)
    items = notes_list(page).get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(second_text)  # the newest first

    edited.get_by_role("button", name="Pin", exact=True).click()
    expect(items.first).to_contain_text(edited_text)
    expect(items.first.get_by_text("Pinned", exact=True)).to_be_visible()
    expect(items.nth(1)).to_contain_text(second_text)
    expect(items.nth(1).get_by_text("Pinned", exact=True)).to_have_count(0)

    edited.get_by_role("button", name="Unpin", exact=True).click()
    expect(items.first).to_contain_text(second_text)
    expect(notes_list(page).get_by_text("Pinned", exact=True)).to_have_count(0)
    expect(edited.get_by_role("button", name="Pin", exact=True)).to_be_visible()

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    note_item(page, second_text).get_by_role("link", name="Delete note").click()
    expect(note_item(page, second_text)).to_have_count(0)
    expect(items).to_have_count(1)
    assert dialogs == ["Delete this note for good?"]

    page.reload()
    expect(notes_list(page).get_by_role("listitem")).to_have_count(1)
    expect(note_item(page, edited_text)).to_have_count(1)

    timeline = open_activity(page)
    titles = timeline.locator(".event-title")
    for title in ("Note added", "Note edited", "Note pinned", "Note unpinned", "Note deleted"):
        expect(titles.filter(has_text=title).first).to_be_visible()
    expect(titles.filter(has_text="Note added")).to_have_count(2)
    panel = page.get_by_role("tabpanel")
    for text in (first_text, edited_text, second_text, "lavender", "Parking permit"):
        expect(panel).not_to_contain_text(text)


# --- labels ----------------------------------------------------------------------------


def test_a_new_label_is_ticked_on_a_profile_and_filters_the_client_list(
    staff_page, live_server, console
):
    tagged_id = live_server.make_client(first_name="Gwendolyn", last_name="Labelthorpe")
    live_server.make_client(first_name="Horatio", last_name="Labelthorpe")
    label_name = "Depth VIP"
    page = staff_page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings/labels$"))
    field(page, "Name").fill(label_name)
    page.get_by_role("radio", name="Purple").check()
    page.get_by_role("button", name="Add label").click()
    listed = page.get_by_role("region", name="Labels")
    badge = listed.get_by_text(label_name, exact=True)
    expect(badge).to_be_visible()
    expect(badge).to_have_class(re.compile(r"badge--purple"))
    expect(listed.get_by_role("link", name="0 clients").first).to_be_visible()

    page.goto(f"/clients/{tagged_id}")
    expect(header(page).get_by_role("list", name="Labels")).to_have_count(0)
    header(page).get_by_role("link", name="Manage labels").click()
    picker = page.get_by_role("group", name="Labels for Gwendolyn Labelthorpe")
    box = picker.get_by_role("checkbox", name=label_name)
    expect(box).not_to_be_checked()
    box.check()
    header_labels = header(page).get_by_role("list", name="Labels")
    expect(header_labels).to_contain_text(label_name)
    expect(box).to_be_checked()

    page.reload()  # saved, not only swapped in
    expect(header(page).get_by_role("list", name="Labels")).to_contain_text(label_name)

    search_clients(page, "Labelthorpe")
    tagged_row = client_row(page, "Gwendolyn Labelthorpe")
    other_row = client_row(page, "Horatio Labelthorpe")
    expect(tagged_row).to_contain_text(label_name)
    expect(other_row).to_be_visible()
    expect(other_row).not_to_contain_text(label_name)

    page.goto("/clients")
    results = page.locator("#client-results")
    expect(results.get_by_role("row").first).to_be_visible()
    chip = page.get_by_role("group", name="Labels").get_by_role(
        "checkbox", name=re.compile(rf"^{re.escape(label_name)}")
    )
    expect(chip).to_have_accessible_name(re.compile(r"\(1\)"))
    chip.check()
    expect(page).to_have_url(re.compile(r"[?&]label=\d+"))
    expect(results.get_by_role("row")).to_have_count(1)
    expect(results.get_by_role("link", name="Gwendolyn Labelthorpe")).to_be_visible()
    expect(results.get_by_role("link", name="Horatio Labelthorpe")).to_have_count(0)
    expect(results.get_by_role("row").first).to_contain_text(label_name)

    chip.uncheck()
    expect(page).not_to_have_url(re.compile(r"label=\d"))
    expect(results.get_by_role("row")).not_to_have_count(1)


def test_adding_a_label_empties_the_form_for_the_next_one(staff_page, console):
    page = staff_page
    page.goto("/settings/labels")
    field(page, "Name").fill("Depth Newsletter")
    page.get_by_role("radio", name="Green").check()
    page.get_by_role("button", name="Add label").click()
    listed = page.get_by_role("region", name="Labels")
    expect(listed.get_by_text("Depth Newsletter", exact=True)).to_be_visible()
    expect(field(page, "Name")).to_have_value("")
    expect(page.get_by_role("radio", name="Teal")).to_be_checked()  # back to the default


# --- the lock --------------------------------------------------------------------------


def test_an_owner_locks_a_profile_and_can_still_edit_it(staff_page, live_server, console):
    client_id = live_server.make_client(first_name="Octavia", last_name="Lockhart")
    reason = "Custody dispute: details by phone only"
    page = staff_page
    page.goto(f"/clients/{client_id}")
    privacy = page.get_by_role("region", name="Access and privacy")
    expect(privacy).to_contain_text("Not locked")

    privacy.get_by_label("Lock reason (optional)").fill(reason)
    privacy.get_by_role("button", name="Lock profile", exact=True).click()

    banner = header(page).get_by_role("status").filter(has_text="Locked")
    expect(banner).to_contain_text(f"Locked by {STAFF_NAME}")
    expect(banner).to_contain_text(reason)
    expect(banner).not_to_contain_text("Only an owner or a manager")
    expect(privacy.get_by_role("button", name="Unlock profile")).to_be_visible()
    expect(privacy.get_by_role("button", name="Lock profile", exact=True)).to_have_count(0)
    expect(privacy).to_contain_text("Locked: only an owner or a manager")
    edit = header(page).get_by_role("link", name="Edit", exact=True)
    expect(edit).to_be_visible()
    expect(header(page).get_by_role("link", name="Manage labels")).to_be_visible()

    edit.click()  # the owner is past the lock
    expect(field(page, "First name")).to_have_value("Octavia")
    page.get_by_role("link", name="Cancel").click()

    page.reload()
    expect(header(page).get_by_role("status").filter(has_text="Locked")).to_contain_text(reason)
    search_clients(page, "Lockhart")
    expect(
        client_row(page, "Octavia Lockhart").get_by_role("img", name="Locked profile")
    ).to_be_visible()

    page.goto(f"/clients/{client_id}")
    page.get_by_role("button", name="Unlock profile").click()
    expect(page.get_by_role("button", name="Lock profile", exact=True)).to_be_visible()
    expect(header(page).get_by_role("status").filter(has_text="Locked")).to_have_count(0)


def test_front_desk_sees_a_locked_profile_read_only_but_can_add_notes(
    sign_in, live_server, console
):
    client_id = live_server.make_client(first_name="Perpetua", last_name="Sealey")
    on_client(
        live_server,
        client_id,
        lambda client: privacy_ops.lock_client(client, "Legal hold", live_server.staff),
    )
    live_server.make_staff("desk.depth@example.com", "Dora Desk", role="front_desk")
    page = sign_in("desk.depth@example.com")
    page.goto(f"/clients/{client_id}")

    banner = header(page).get_by_role("status").filter(has_text="Locked")
    expect(banner).to_contain_text(f"Locked by {STAFF_NAME}")
    expect(banner).to_contain_text("Legal hold")
    expect(banner).to_contain_text("Only an owner or a manager can change the details")
    expect(header(page).get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Manage labels")).to_have_count(0)
    expect(page.get_by_role("link", name="Add alert")).to_have_count(0)
    expect(header(page).get_by_role("link", name="Delete", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Lock profile", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Unlock profile")).to_have_count(0)
    expect(page.get_by_role("link", name="Complete the profile")).to_have_count(0)

    add_note(page, "Called to move Thursday's visit; will confirm by text.")
    expect(note_item(page, "Called to move Thursday")).to_contain_text("Dora Desk")

    console.allow(r"status of 403")
    response = page.goto(f"/clients/{client_id}/edit")
    assert response is not None
    assert response.status == 403


# --- trash -----------------------------------------------------------------------------


def test_a_deleted_client_waits_in_the_trash_until_restored(staff_page, live_server, console):
    # "Aa…" sorts first, so the client is on the trash's first page.
    client_id = live_server.make_client(first_name="Quentin", last_name="Aabelund")
    page = staff_page
    page.goto(f"/clients/{client_id}")
    header(page).get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete Quentin Aabelund?")
    page.get_by_role("button", name="Delete client").click()

    expect(page).to_have_url(re.compile(r"/clients\?show=deleted$"))
    page.wait_for_load_state()
    expect(page.get_by_role("radio", name="Deleted clients")).to_be_checked()
    results = page.locator("#client-results")
    expect(results.get_by_role("link", name="Quentin Aabelund")).to_be_visible()

    page.get_by_role("radio", name="All clients").check()
    expect(page).to_have_url(re.compile(r"show=active"))
    search = page.get_by_role("searchbox", name="Search clients")
    search.fill("Aabelund")
    expect(results).to_contain_text("No clients match")
    expect(results.get_by_role("link", name="Quentin Aabelund")).to_have_count(0)

    page.get_by_role("radio", name="Deleted clients").check()
    expect(page).to_have_url(re.compile(r"show=deleted"))
    results.get_by_role("button", name="Restore Quentin Aabelund").click()

    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Quentin Aabelund")
    expect(header(page)).not_to_contain_text("In the trash")
    expect(header(page).get_by_role("link", name="Delete", exact=True)).to_be_visible()

    search_clients(page, "Aabelund")
    expect(page.get_by_role("radio", name="All clients")).to_be_checked()
    expect(results.get_by_role("link", name="Quentin Aabelund")).to_be_visible()


# --- erasure ---------------------------------------------------------------------------


def test_erasing_needs_the_exact_name_and_leaves_only_initials(staff_page, live_server, console):
    console.allow(r"status of 422")  # the erase page comes back as 422 on a wrong name
    client_id = live_server.make_client(
        first_name="Quilla", last_name="Zephyrine", email="quilla@example.com"
    )
    on_client(
        live_server,
        client_id,
        lambda client: note_ops.add_note(client, "Knee surgery in March.", live_server.staff),
    )
    page = staff_page
    page.goto(f"/clients/{client_id}")
    page.get_by_role("link", name="Erase personal data").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/erase$"))
    confirmation = field(page, "Type the client's full name to confirm")

    confirmation.fill("Quilla Zephyr")
    page.get_by_role("button", name="Erase personal data").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/erase$"))
    confirmation = field(page, "Type the client's full name to confirm")
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    expect(confirmation).to_have_accessible_description(
        re.compile(r"Type the client's full name exactly as shown")
    )
    expect(page.locator(".field", has=confirmation).locator(".error")).to_be_visible()

    page.goto(f"/clients/{client_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quilla Zephyrine")  # untouched
    page.get_by_role("link", name="Erase personal data").click()
    field(page, "Type the client's full name to confirm").fill("Quilla Zephyrine")
    page.get_by_role("button", name="Erase personal data").click()

    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Deleted Client")
    expect(header(page).get_by_role("status")).to_contain_text("Personal data erased")
    main = page.locator("main")
    for gone in ("Quilla", "Zephyrine", "quilla@example.com", "Knee surgery"):
        expect(main).not_to_contain_text(gone)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Erasure log").click()
    log = page.get_by_role("region", name="Erasure log")
    entry = log.get_by_role("row").filter(has=page.locator(f'a[href$="/clients/{client_id}"]'))
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("link")).to_have_text("Q*** Z***")
    expect(entry).to_contain_text(STAFF_NAME)
    expect(log).not_to_contain_text("Zephyrine")


# --- export ----------------------------------------------------------------------------


def test_export_downloads_everything_held_and_is_recorded(staff_page, live_server, console):
    client_id = live_server.make_client(
        first_name="Rosamund", last_name="Exley", email="rosamund@example.com"
    )
    note_text = "Takes oat milk, never dairy."
    on_client(
        live_server,
        client_id,
        lambda client: note_ops.add_note(client, note_text, live_server.staff),
    )
    page = staff_page
    page.goto(f"/clients/{client_id}")
    privacy = page.get_by_role("region", name="Access and privacy")

    with page.expect_download() as download_info:
        privacy.get_by_role("button", name="Export data").click()
    download = download_info.value
    assert download.suggested_filename == f"client-{client_id}.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["first_name"] == "Rosamund"
    assert data["profile"]["email"] == "rosamund@example.com"
    assert [note["text"] for note in data["notes"]] == [note_text]
    assert data["notes"][0]["author"] == STAFF_NAME
    events = [event["event"] for event in data["timeline"]]
    assert "Profile created" in events
    assert "Note added" in events

    timeline = open_activity(page)
    expect(timeline.locator(".event-title").filter(has_text="Data exported")).to_have_count(1)

    page.get_by_role("tab", name="Overview").click()
    privacy = page.get_by_role("region", name="Access and privacy")
    with page.expect_download() as download_info:
        privacy.get_by_role("button", name="Export profile as CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"client-{client_id}.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2
    assert "Rosamund" in lines[1]
    rows = list(csv.reader(io.StringIO(text)))
    assert dict(zip(rows[0], rows[1], strict=True)).get("Email") == "rosamund@example.com"

    timeline = open_activity(page)
    expect(timeline.locator(".event-title").filter(has_text="Data exported")).to_have_count(2)


# --- alerts ----------------------------------------------------------------------------


def test_a_critical_alert_shows_on_the_profile_and_the_list_until_resolved(
    staff_page, live_server, console
):
    client_id = live_server.make_client(first_name="Barnaby", last_name="Alertson")
    alert_text = "Severe latex allergy: use nitrile gloves only"
    page = staff_page
    page.goto(f"/clients/{client_id}")
    header(page).get_by_role("link", name="Add alert").click()
    field(page, "Severity").select_option(label="Critical")
    field(page, "Alert").fill(alert_text)
    page.get_by_role("button", name="Save alert").click()

    alerts = header(page).get_by_role("list", name="Alerts")
    expect(alerts).to_contain_text("Critical")
    expect(alerts).to_contain_text(alert_text)
    expect(alerts.locator(".severity")).to_have_text("Critical")
    expect(page.get_by_role("button", name="Save alert")).to_have_count(0)

    search_clients(page, "Alertson")
    row = client_row(page, "Barnaby Alertson")
    expect(row.get_by_role("img", name="Critical alert")).to_be_visible()

    row.get_by_role("link", name="Barnaby Alertson").click()
    expect(page).to_have_url(PROFILE_URL)
    page.get_by_role("button", name=re.compile(r"^Resolve alert")).click()
    expect(header(page).get_by_role("list", name="Alerts")).to_have_count(0)
    expect(header(page)).not_to_contain_text(alert_text)

    search_clients(page, "Alertson")
    row = client_row(page, "Barnaby Alertson")
    expect(row).to_be_visible()
    expect(row.get_by_role("img", name="Critical alert")).to_have_count(0)


# --- activity filters --------------------------------------------------------------------


def test_activity_filters_show_only_their_kind_of_event(staff_page, live_server, console):
    client_id = live_server.make_client(first_name="Filomena", last_name="Kindly")

    def history(client):
        note = note_ops.add_note(client, "Likes early appointments.", live_server.staff)
        note_ops.edit_note(note, "Likes early appointments, before nine.", live_server.staff)
        privacy_ops.lock_client(client, None, live_server.staff)

    on_client(live_server, client_id, history)
    page = staff_page
    page.goto(f"/clients/{client_id}/activity")
    timeline = page.get_by_role("list", name="Activity timeline")
    titles = timeline.locator(".event-title")
    expect(titles).to_have_count(4)
    filters = page.get_by_role("navigation", name="Show activity")
    expect(filters.get_by_role("link", name="All", exact=True)).to_have_attribute(
        "aria-current", "true"
    )

    filters.get_by_role("link", name="Notes", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]kind=notes"))
    filters = page.get_by_role("navigation", name="Show activity")
    expect(filters.get_by_role("link", name="Notes", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    expect(titles).to_have_text(["Note edited", "Note added"])

    filters.get_by_role("link", name="Profile changes").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=profile"))
    expect(titles).to_have_text(["Profile created"])

    filters.get_by_role("link", name="Privacy and access").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=privacy"))
    expect(titles).to_have_text(["Profile locked"])

    filters.get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=alerts"))
    expect(timeline).to_contain_text("Nothing of this kind yet.")
    expect(titles).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]kind=privacy"))
    expect(titles).to_have_text(["Profile locked"])

    page.get_by_role("navigation", name="Show activity").get_by_role(
        "link", name="All", exact=True
    ).click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/activity$"))
    expect(titles).to_have_count(4)
