"""The client list's row menu in a real browser: opened and left with the keyboard,
Block (with a reason) and Unblock online bookings, Delete and Restore, rows htmx adds
later, and the open menu at phone, tablet and desk widths."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.clients import detail_ops, privacy_ops
from app.core.extensions import db
from app.models import Client
from e2e.conftest import PASSWORD, STAFF_EMAIL
from e2e.helpers import VIEWPORTS, check_screen, field


@pytest.fixture(scope="module")
def axe():
    return Axe()


def menu_button(page: Page, name: str):
    return page.get_by_role("button", name=f"Actions for {name}", exact=True)


def menu_of(page: Page, client_id: int):
    return page.locator(f"#row-menu-{client_id}")


def test_the_menu_opens_and_closes_with_the_keyboard_and_blocks_and_unblocks_bookings(
    live_server, staff_page, console
):
    console.allow(r"status of 422")  # the booking form sent without its reason
    client_id = live_server.make_client(first_name="Keyla", last_name="Menuboard")
    page = staff_page
    page.goto("/clients?q=Menuboard")
    button = menu_button(page, "Keyla Menuboard")
    menu = menu_of(page, client_id)
    expect(menu).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="View client")).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Edit")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Space")  # opens too
    expect(menu).to_be_visible()
    page.get_by_role("heading", level=1, name="Clients").click()  # a click elsewhere closes
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")

    button.focus()
    page.keyboard.press("Enter")
    block = menu.get_by_role("link", name="Block online bookings")
    while not block.evaluate("link => link === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/booking-policy\?"))
    expect(field(page, "Online booking")).to_have_value("block")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Say why, so the next person at the desk knows.")).to_be_visible()
    field(page, "Reason").fill("Three no-shows in a row")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/clients\?q=Menuboard$"))
    row = page.locator("#client-results tr").filter(has=button)
    expect(row).to_contain_text("Online booking blocked")

    button.click()
    menu.get_by_role("button", name="Unblock online bookings").click()
    expect(page).to_have_url(re.compile(r"/clients\?q=Menuboard$"))
    expect(row).not_to_contain_text("Online booking blocked")
    button.click()
    expect(menu.get_by_role("link", name="Block online bookings")).to_be_visible()


def test_tab_past_the_last_item_closes_the_menu(live_server, staff_page):
    client_id = live_server.make_client(first_name="Tabitha", last_name="Menupass")
    live_server.make_client(first_name="Zed", last_name="Menupass")  # the next row
    page = staff_page
    page.goto("/clients?q=Menupass")
    button = menu_button(page, "Tabitha Menupass")
    button.focus()
    page.keyboard.press("Enter")
    menu = menu_of(page, client_id)
    delete = menu.get_by_role("link", name="Delete")
    while not delete.evaluate("link => link === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zed Menupass")).to_be_focused()
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_delete_and_restore_from_the_menu(live_server, staff_page):
    client_id = live_server.make_client(first_name="Delia", last_name="Menutrash")
    page = staff_page
    page.goto("/clients?q=Menutrash")
    menu_button(page, "Delia Menutrash").click()
    menu_of(page, client_id).get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete Delia Menutrash?")
    page.get_by_role("button", name="Delete client").click()

    expect(page).to_have_url(re.compile(r"/clients\?show=deleted$"))
    page.get_by_role("searchbox", name="Search clients").fill("Menutrash")
    button = menu_button(page, "Delia Menutrash")
    button.click()
    menu = menu_of(page, client_id)
    expect(menu.get_by_role("link")).to_have_text(["View client"])
    menu.get_by_role("button", name="Restore").click()

    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delia Menutrash")
    expect(page.get_by_text("In the trash")).to_have_count(0)


def test_rows_loaded_later_have_working_menus(live_server, staff_page, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "PAGE_SIZE", 2)
    ids = [live_server.make_client(first_name=f"Late{n}", last_name="Menupage") for n in "abc"]
    page = staff_page
    page.goto("/clients?q=Menupage")
    last = menu_button(page, "Latec Menupage")
    last.scroll_into_view_if_needed()  # the sentinel loads the next page when revealed
    expect(last).to_be_visible()
    last.click()
    expect(menu_of(page, ids[2]).get_by_role("link", name="Edit")).to_be_visible()
    expect(last).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(menu_of(page, ids[2])).to_be_hidden()


@pytest.fixture(scope="module")
def last_of_three(live_server) -> int:
    """Three clients found by "Openmenu"; the id of the last one listed, whose row is
    busy (locked, bookings blocked) so its marks must make room for the menu's button."""
    for last_name in ("Aaronson", "Bellweather-Smythe"):
        live_server.make_client(first_name="Openmenu", last_name=last_name, email="a@example.com")
    client_id = live_server.make_client(
        first_name="Openmenu", last_name="Zeal-Abercrombie", phone="+442079460999"
    )
    with live_server.app.app_context():
        client = db.session.get(Client, client_id)
        detail_ops.set_booking_policy(client, "block", "No-shows", live_server.staff)
        privacy_ops.lock_client(client, "Verified", live_server.staff)
    return client_id


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_open_menu_fits_each_screen(staff_page, axe, screenshots, last_of_three, width):
    page = staff_page
    page.set_viewport_size(VIEWPORTS[width])
    page.goto("/clients?q=Openmenu")
    # The last row's menu: near the bottom of the list, where a clipped menu would show.
    button = menu_button(page, "Openmenu Zeal-Abercrombie")
    button.click()
    menu = menu_of(page, last_of_three)
    expect(menu).to_be_visible()
    page.screenshot(path=screenshots / f"row-menu-{width}.png", full_page=True, caret="initial")

    box, button_box = menu.bounding_box(), button.bounding_box()
    viewport = VIEWPORTS[width]
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    # Beside its button (below it, or above when there is no room), never over it.
    assert box["y"] >= button_box["y"] + button_box["height"] or (
        box["y"] + box["height"] <= button_box["y"]
    )
    assert check_screen(page, axe, f"open row menu at {width}") == []


def test_near_the_bottom_of_the_screen_the_menu_opens_above_its_button(staff_page, last_of_three):
    page = staff_page
    page.set_viewport_size(VIEWPORTS["tablet"])
    page.goto("/clients?q=Openmenu")
    button = menu_button(page, "Openmenu Zeal-Abercrombie")
    button_box = button.bounding_box()
    height = int(button_box["y"] + button_box["height"] + 40)  # no room below the button
    page.set_viewport_size({"width": VIEWPORTS["tablet"]["width"], "height": height})
    assert button.bounding_box() == button_box
    button.click()
    box = menu_of(page, last_of_three).bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= button_box["y"]


def test_without_javascript_the_menu_still_opens_and_its_items_work(
    live_server, browser, browser_context_args
):
    client_id = live_server.make_client(first_name="Nojs", last_name="Menuplain")
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        field(page, "Email").fill(STAFF_EMAIL)
        field(page, "Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/clients?q=Menuplain")
        menu_button(page, "Nojs Menuplain").click()  # the browser opens a popover itself
        menu = menu_of(page, client_id)
        menu.get_by_role("link", name="Block online bookings").click()
        field(page, "Reason").fill("Asked us to")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/clients\?q=Menuplain$"))
        menu_button(page, "Nojs Menuplain").click()
        menu.get_by_role("button", name="Unblock online bookings").click()
        expect(page).to_have_url(re.compile(r"/clients\?q=Menuplain$"))
        menu_button(page, "Nojs Menuplain").click()
        expect(menu.get_by_role("link", name="Block online bookings")).to_be_visible()
    finally:
        context.close()
