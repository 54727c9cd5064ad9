"""The self check-in kiosk in a real browser on the reception tablet (820 px): staff start
it, a wrong guess is refused, a client booked today checks in and reception sees them
arrive, and leaving the kiosk takes a staff PIN."""

import re
from datetime import date, datetime, time

import pytest
from playwright.sync_api import Browser, Page, expect

from app.auth.ops import add_staff
from app.bookings import scheduling, service_settings
from app.core.sessions import SignedInStaff
from app.reception.kiosk import ops as kiosk_ops
from e2e.conftest import PASSWORD
from e2e.helpers import VIEWPORTS, field
from tests.helpers.bookings import ALL_WEEK, LONDON, service_values

KIOSK_STAFF = "kiosk.e2e@example.com"
PIN = "731904"


@pytest.fixture(scope="module")
def kira(live_server):
    """Kira, booked late tonight, and a staff member with a kiosk PIN."""
    owner = live_server.staff
    with live_server.app.app_context():
        staff = SignedInStaff.of(add_staff(KIOSK_STAFF, "Kim Kiosk", "front_desk", PASSWORD))
        kiosk_ops.set_kiosk_pin(staff, PIN)
        pat_id = add_staff("pat.kiosk@example.com", "Pat Kiosk", "practitioner", "pw-long-1x").id
        service_settings.set_practitioner(pat_id, True, ALL_WEEK, owner)
        facial = service_settings.save_service(service_values(name="Kiosk facial"), owner).id
    client_id = live_server.make_client(
        first_name="Kira", last_name="Kioskova", phone="+447700900321", birth_date=date(1985, 2, 3)
    )
    tonight = datetime.combine(datetime.now(LONDON).date(), time(23, 45), tzinfo=LONDON)
    with live_server.app.app_context():
        scheduling.add_past_session(client_id, facial, pat_id, tonight, "confirmed", owner)
    return client_id


def identify(page: Page, phone: str, day: str, month: str) -> None:
    # As a person would: the new screen has settled (its phone field took the focus)
    # before anyone types. Typed within htmx's settle, a field can lose its value.
    expect(field(page, "Last four digits of your phone")).to_be_focused()
    field(page, "Last four digits of your phone").fill(phone)
    field(page, "Day").fill(day)
    field(page, "Month").select_option(label=month)
    page.get_by_role("button", name="Continue").click()


def test_the_kiosk_checks_a_client_in_and_refuses_a_wrong_guess(
    page: Page, browser: Browser, sign_in, console, live_server, kira, screenshots
):
    console.allow(r"status of 422 .*/kiosk/leave")  # the wrong PIN's page
    page.set_viewport_size(VIEWPORTS["tablet"])
    sign_in(KIOSK_STAFF)
    page.goto("/reception")
    page.get_by_role("button", name="Start kiosk").click()
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    expect(page.get_by_text("Kira")).to_have_count(0)
    page.screenshot(path=str(screenshots / "kiosk-tablet.png"), full_page=True)

    # The tablet holds no staff rights now: every other page leads back to the kiosk.
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/kiosk$"))

    # A wrong guess: the same "Please see reception" as any other refusal.
    identify(page, "9999", "3", "February")
    expect(page.get_by_role("heading", name="Please see reception")).to_be_visible()
    expect(page.get_by_text("Kira")).to_have_count(0)
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()

    # Kira, booked today: her first name and initial, her session, and "Check in".
    identify(page, "0321", "3", "February")
    expect(page.get_by_role("heading", name="Hello, Kira K.!")).to_be_visible()
    expect(page.get_by_text("Kioskova")).to_have_count(0)
    expect(page.get_by_text("Kiosk facial")).to_be_visible()
    check_in = page.get_by_role("button", name="Check in")
    box = check_in.bounding_box()
    assert box is not None and box["height"] >= 44  # a touch target
    page.screenshot(path=str(screenshots / "kiosk-client-tablet.png"), full_page=True)
    check_in.click()
    expect(
        page.get_by_role("heading", name="Thank you, Kira K. — you are checked in.")
    ).to_be_visible()

    # Reception, on another device: Kira has arrived, and the stranger is waiting.
    desk_context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["tablet"])
    try:
        desk = desk_context.new_page()
        desk.goto("/login")
        field(desk, "Email").fill(live_server.staff.email)
        field(desk, "Password").fill(PASSWORD)
        desk.get_by_role("button", name="Sign in").click()
        expect(desk).to_have_url(re.compile(r"/clients$"))
        desk.goto("/reception")
        waiting = desk.get_by_role("region", name=re.compile("Sent to the desk by the kiosk"))
        expect(waiting).to_contain_text("Someone not recognised")
        desk.locator(".day-seen summary").click()
        arrived = desk.locator(".day-seen .day-entry").filter(has_text="Kira Kioskova")
        expect(arrived).to_contain_text("Arrived")
        desk.screenshot(
            path=str(screenshots / "reception-kiosk-waiting-tablet.png"), full_page=True
        )
        for control in (
            waiting.get_by_role("button", name="Seen").first,
            desk.get_by_role("button", name="Start kiosk"),
            desk.get_by_role("link", name="Your kiosk PIN"),
        ):
            box = control.bounding_box()
            assert box is not None and box["height"] >= 44
        waiting.get_by_role("button", name="Seen").first.click()
        expect(desk.get_by_text("Someone not recognised")).to_have_count(0)
    finally:
        desk_context.close()

    # Leaving takes a staff PIN.
    page.goto("/kiosk")
    page.get_by_role("link", name="Leave kiosk").click()
    field_pin = page.get_by_label("Staff PIN")
    field_pin.fill("000000")
    page.get_by_role("button", name="Leave kiosk").click()
    expect(page.get_by_text("That PIN is not right.")).to_be_visible()
    page.get_by_label("Staff PIN").fill(PIN)
    page.get_by_role("button", name="Leave kiosk").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/login"))  # no longer the kiosk, nor signed in


def test_the_kiosk_resets_itself_when_left_idle(
    page: Page, sign_in, live_server, kira, screenshots
):
    """The page goes back to the welcome screen on its own (the minute shortened here),
    and the server has forgotten the client by then too. It fits a phone and a desk too."""
    sign_in(KIOSK_STAFF)
    page.goto("/reception")
    page.get_by_role("button", name="Start kiosk").click()
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    for width in ("phone", "desk"):
        page.set_viewport_size(VIEWPORTS[width])
        page.screenshot(path=str(screenshots / f"kiosk-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = page.get_by_role("button", name="Continue").bounding_box()
        assert box is not None and box["height"] >= 44
    page.set_viewport_size(VIEWPORTS["tablet"])
    live_server.app.config["KIOSK_IDLE_SECONDS"] = 2
    try:
        identify(page, "0321", "3", "February")
        expect(page.get_by_role("heading", name="Hello, Kira K.!")).to_be_visible()
        expect(page.get_by_role("heading", name="Welcome")).to_be_visible(timeout=6_000)
        expect(page.get_by_text("Kira")).to_have_count(0)
    finally:
        live_server.app.config.pop("KIOSK_IDLE_SECONDS")
    page.reload()
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
