"""The front desk's main paths, in a real browser: what only a browser can show
(htmx swaps, active search, tabs with history, revealed scrolling, inline edit)."""

import re

from playwright.sync_api import expect

from e2e.conftest import PASSWORD
from e2e.helpers import field, mark_document, same_document

PROFILE_URL = re.compile(r"/clients/(\d+)$")


def test_sign_in_shows_wrong_password_then_lands_on_client_list(page, console):
    console.allow(r"status of 422")  # the sign-in page comes back as 422 on a wrong password
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/login"))

    field(page, "Email").fill("frontdesk@example.com")
    field(page, "Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    form = page.locator("form", has=page.get_by_role("button", name="Sign in"))
    expect(form.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(field(page, "Email")).to_have_value("frontdesk@example.com")
    expect(field(page, "Password")).to_have_value("")

    field(page, "Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/clients$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients")).to_have_attribute("aria-current", "page")


def test_new_client_with_an_error_keeps_every_value_then_saves(staff_page, console):
    page = staff_page
    console.allow(r"status of 422")  # htmx posts the form; errors come back as 422
    page.get_by_role("link", name="New client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New client")

    typed = {
        "First name": "Marguerite",
        "Last name": "Okonkwo-Lindqvist",
        "Email": "marguerite.okonkwo@example",
        "Phone": "020 7946 0958",
        "WhatsApp": "+33 6 12 34 56 78",
        "Birth date": "1987-03-14",
        "Address": "Flat 4, 27 Willow Crescent",
        "City": "London",
        "State": "Greater London",
        "Postal code": "NW1 6XE",
    }
    for label, value in typed.items():
        field(page, label).fill(value)
    field(page, "Preferred language").select_option(label="French")
    field(page, "Country").select_option(label="United Kingdom")
    mark_document(page)
    page.get_by_role("button", name="Save").click()

    email = field(page, "Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(r"Enter a valid email address"))
    # The message sits in the Email field's own box, right under the input.
    email_field = page.locator(".field", has=email)
    expect(email_field.locator(".error")).to_contain_text("Enter a valid email address")
    expect(page.locator(".field--error")).to_have_count(1)
    expect(email).to_be_focused()
    assert same_document(page), "the form should come back through htmx, not a page load"
    for label, value in typed.items():
        expect(field(page, label)).to_have_value(value)
    expect(field(page, "Preferred language")).to_have_value("fr")
    expect(field(page, "Country")).to_have_value("GB")

    email.fill("Marguerite.Okonkwo@Example.com")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(PROFILE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Marguerite Okonkwo-Lindqvist")
    header = page.locator("#profile-header")
    mail = header.get_by_role("link", name="marguerite.okonkwo@example.com")
    expect(mail).to_have_attribute("href", "mailto:marguerite.okonkwo@example.com")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    header.get_by_role("button", name="Copy email").click()
    expect(page.get_by_role("status")).to_have_text("Copied marguerite.okonkwo@example.com")
    expect(page.get_by_role("status")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "marguerite.okonkwo@example.com"
    expect(header.get_by_role("link", name=re.compile(r"020 7946 0958"))).to_have_attribute(
        "href", "tel:+442079460958"
    )
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_role("link", name="marguerite.okonkwo@example.com")).to_have_attribute(
        "href", "mailto:marguerite.okonkwo@example.com"
    )
    expect(panel.get_by_role("link", name="020 7946 0958")).to_have_attribute(
        "href", "tel:+442079460958"
    )
    expect(panel).to_contain_text("French")
    expect(panel).to_contain_text("NW1 6XE")


def test_search_finds_a_client_by_part_of_their_phone_while_typing(
    staff_page, live_server, console
):
    live_server.make_client(first_name="Bartholomew", last_name="Quist", phone="+442079468858")
    live_server.make_client(first_name="Winifred", last_name="Quist", phone="+441632960001")
    page = staff_page
    page.reload()
    mark_document(page)

    search = page.get_by_role("searchbox", name="Search clients")
    search.press_sequentially("7946 88", delay=40)

    results = page.locator("#client-results")
    expect(page).to_have_url(re.compile(r"[?&]q=7946(\+|%20)88"))
    expect(results.get_by_role("link", name="Bartholomew Quist")).to_be_visible()
    expect(results.get_by_role("link", name="Winifred Quist")).to_have_count(0)
    for row in results.get_by_role("row").all():
        expect(row).to_contain_text("020 7946 8858")
    assert same_document(page), "active search must swap rows, not reload the page"

    search.fill("")
    search.press_sequentially("Quist", delay=40)
    expect(results.get_by_role("link", name="Winifred Quist")).to_be_visible()
    expect(results.get_by_role("link", name="Bartholomew Quist")).to_be_visible()


def test_tabs_have_their_own_urls_and_follow_history(staff_page, live_server, console):
    client_id = live_server.make_client(first_name="Theodora", last_name="Vance")
    page = staff_page
    page.goto(f"/clients/{client_id}")
    tabs = {
        name: page.get_by_role("tab", name=name) for name in ("Overview", "Sessions", "Activity")
    }

    def selected(name: str) -> None:
        for other, tab in tabs.items():
            expect(tab).to_have_attribute("aria-selected", "true" if other == name else "false")

    selected("Overview")
    mark_document(page)

    tabs["Sessions"].click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/sessions$"))
    selected("Sessions")
    expect(page.get_by_role("tabpanel")).to_contain_text("Theodora has no sessions yet")
    expect(tabs["Sessions"]).to_be_focused()

    tabs["Activity"].click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/activity$"))
    selected("Activity")
    timeline = page.get_by_role("list", name="Activity timeline")
    expect(timeline.get_by_role("listitem").first).to_contain_text("Profile created")
    assert same_document(page), "tabs should swap the panel, not load a page"

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/sessions$"))
    selected("Sessions")
    expect(page.get_by_role("tabpanel")).to_contain_text("Theodora has no sessions yet")

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    selected("Overview")
    expect(page.get_by_role("heading", name="Contact information")).to_be_visible()

    page.go_forward()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/sessions$"))
    selected("Sessions")


def test_scrolling_the_timeline_loads_every_event_once(staff_page, live_server, console):
    client_id = live_server.make_client(first_name="Ignatius", last_name="Farrow", city="Origin")
    cities = live_server.record_history(client_id, 60)
    page = staff_page
    page.goto(f"/clients/{client_id}/activity")

    timeline = page.get_by_role("list", name="Activity timeline")
    events = timeline.locator("li.event")
    expect(events.first).to_contain_text("Profile created")  # the first page came by itself
    loaded = events.count()
    assert 0 < loaded < 61, "the first page should not hold the whole timeline"

    for _ in range(10):
        if loaded == 61:
            break
        page.mouse.wheel(0, 4000)
        expect(events).not_to_have_count(loaded, timeout=5000)
        loaded = events.count()
    expect(events).to_have_count(61)
    expect(timeline.locator("li.sentinel")).to_have_count(0)

    new_cities = timeline.locator(".change .new").all_inner_texts()
    assert new_cities == list(reversed(cities)), "newest first, no gaps, no repeats"
    assert events.first.locator(".event-title").inner_text() == "Profile created"


def test_edit_in_place_updates_the_name(staff_page, live_server, console):
    client_id = live_server.make_client(
        first_name="Rosalind", last_name="Ashdown", email="rosalind@example.com"
    )
    page = staff_page
    page.goto(f"/clients/{client_id}")
    mark_document(page)

    page.get_by_role("link", name="Edit", exact=True).click()
    last_name = field(page, "Last name")
    expect(last_name).to_have_value("Ashdown")
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/edit$"))
    expect(field(page, "Email")).to_have_value("rosalind@example.com")

    last_name.fill("Ashdown-Pryce")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rosalind Ashdown-Pryce")
    expect(page.get_by_role("heading", name="Contact information")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    expect(page.get_by_role("tab", name="Overview")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#profile-header")).to_have_count(1)
    assert same_document(page), "edit and save should swap in place, not load a page"

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosalind Ashdown-Pryce")
    page.get_by_role("tab", name="Activity").click()
    expect(page.get_by_role("list", name="Activity timeline")).to_contain_text("Ashdown-Pryce")


def test_sign_out_closes_the_session(sign_in, live_server, console):
    live_server.make_staff("leaving@example.com", "Lena Leaving", role="front_desk")
    page = sign_in("leaving@example.com")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fclients"))
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)


def test_sign_out_everywhere_ends_the_other_browsers_session(
    sign_in, browser, base_url, live_server, console
):
    live_server.make_staff("roaming@example.com", "Rita Roaming", role="front_desk")
    page = sign_in("roaming@example.com")
    other_context = browser.new_context(base_url=base_url)
    try:
        tablet = other_context.new_page()
        tablet.goto("/login")
        field(tablet, "Email").fill("roaming@example.com")
        field(tablet, "Password").fill(PASSWORD)
        tablet.get_by_role("button", name="Sign in").click()
        expect(tablet).to_have_url(re.compile(r"/clients$"))

        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page).to_have_url(re.compile(r"/login$"))
        tablet.goto("/clients")
        expect(tablet).to_have_url(re.compile(r"/login\?next=%2Fclients"))
    finally:
        other_context.close()


def test_a_stale_edit_shows_both_versions_and_keeps_what_was_typed(
    staff_page, browser, live_server, base_url, console, screenshots
):
    client_id = live_server.make_client(first_name="Ines", last_name="Duarte", city="Porto")
    mine = staff_page
    mine.goto(f"/clients/{client_id}/edit")
    expect(field(mine, "City")).to_have_value("Porto")

    # A colleague, in another browser, saves a new phone number and city meanwhile.
    live_server.make_staff("colleague@example.com", "Colin Colleague", "manager")
    other_context = browser.new_context(base_url=base_url)
    try:
        theirs = other_context.new_page()
        theirs.goto("/login")
        field(theirs, "Email").fill("colleague@example.com")
        field(theirs, "Password").fill(PASSWORD)
        theirs.get_by_role("button", name="Sign in").click()
        theirs.goto(f"/clients/{client_id}/edit")
        field(theirs, "Phone").fill("020 7946 0000")
        field(theirs, "City").fill("Braga")
        theirs.get_by_role("button", name="Save").click()
        expect(theirs.get_by_role("link", name=re.compile("020 7946 0000")).first).to_be_visible()
    finally:
        other_context.close()

    console.allow(r"status of 409")
    field(mine, "City").fill("Lisbon")
    mine.get_by_role("button", name="Save").click()
    conflict = mine.get_by_role("alert").filter(
        has_text="changed the same field while you were editing"
    )
    expect(conflict).to_contain_text("Colin Colleague")
    expect(conflict).to_contain_text("Braga")
    expect(conflict).to_contain_text("Lisbon")
    expect(conflict).not_to_contain_text("020 7946 0000")  # the phone was theirs alone
    expect(field(mine, "City")).to_have_value("Lisbon")  # nothing typed is lost
    expect(field(mine, "Phone")).to_have_value("020 7946 0000")  # their change, kept
    mine.screenshot(path=screenshots / "edit-conflict-desk.png", full_page=True, caret="initial")

    # Saving again applies my city on top of their phone.
    mine.get_by_role("button", name="Save").click()
    expect(mine.get_by_role("heading", name="Contact information")).to_be_visible()
    expect(mine.locator("#profile-panel")).to_contain_text("Lisbon")
    expect(mine.locator("#profile-panel")).to_contain_text("020 7946 0000")
