"""Email in a real browser: a session booked for a client with an email writes the
confirmation, which Settings → Outbox shows (kept: no mail server in development) and
opens in place; the profile's Messages tab lists it and opens it too."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.auth.ops import add_staff
from app.bookings import service_settings
from e2e.helpers import VIEWPORTS, book_from_profile
from tests.helpers.bookings import ALL_WEEK, LONDON, service_values


@pytest.fixture(scope="module")
def bookable(live_server):
    owner = live_server.staff
    with live_server.app.app_context():
        pat_id = add_staff(
            "pat.outbox@example.com", "Pat Mailwell", "practitioner", "pw-long-1x"
        ).id
        service_settings.set_practitioner(pat_id, True, ALL_WEEK, owner)
        service_settings.save_service(service_values(name="Reflexology outbox"), owner)
    return datetime.now(LONDON).date() + timedelta(days=4)


@pytest.mark.parametrize("viewport", ["desk", "phone"])
def test_a_booking_confirmation_is_in_the_outbox_and_the_messages_tab(
    page: Page, staff_page, live_server, bookable, viewport, screenshots
):
    page.set_viewport_size(VIEWPORTS[viewport])
    client_id = live_server.make_client(
        first_name="Olive", last_name=f"Outbox {viewport}", email=f"olive.{viewport}@example.com"
    )
    page.goto(f"/clients/{client_id}")
    at = {"desk": "10:00", "phone": "11:00"}[viewport]
    book_from_profile(page, "Reflexology outbox", bookable, at, "Pat Mailwell")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Session booked.")).to_be_visible()

    page.goto("/settings/labels")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Outbox").click()
    expect(page).to_have_url(re.compile(r"/settings/outbox$"))
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    row = page.locator("#outbox-rows tr").filter(has_text=f"olive.{viewport}@example.com")
    expect(row).to_contain_text("Your session is booked: Reflexology outbox on")
    expect(row).to_contain_text("Kept in outbox")
    expect(row).to_contain_text("Session booked")
    row.get_by_role("link", name=re.compile("Your session is booked")).click()
    body = page.locator("#outbox-message")
    expect(body).to_contain_text("Hi Olive,")
    expect(body).to_be_visible()
    expect(body).to_contain_text("Your session is booked.")
    expect(body).to_contain_text("With: Pat Mailwell")
    expect(page).to_have_url(re.compile(r"/settings/outbox$"))  # opened in place
    page.screenshot(path=str(screenshots / f"outbox-{viewport}.png"), full_page=True)

    page.goto(f"/clients/{client_id}")
    page.get_by_role("tab", name="Messages").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/messages$"))
    message = page.locator(".message").filter(has_text="Your session is booked")
    expect(message).to_contain_text("Kept in outbox")
    message.get_by_role("link", name=re.compile("Show message")).click()
    expect(message).to_contain_text("Hi Olive,")
    page.screenshot(path=str(screenshots / f"messages-{viewport}.png"), full_page=True)
