"""The client page in Chromium: a newcomer invites a demo client from the profile, opens
the link from Settings → Outbox, the client sets a password on a phone and sees their own
sessions on their page at 390 px."""

import re
from datetime import datetime, time, timedelta

from playwright.sync_api import Page, expect

from app.auth.ops import add_staff
from app.bookings import scheduling, service_settings
from e2e.helpers import VIEWPORTS, field
from tests.helpers.bookings import ALL_WEEK, LONDON, service_values

CLIENT_PASSWORD = "my own page 2026"  # noqa: S105  (a test account's password)


def _demo_client_with_sessions(live_server) -> int:
    """A client as the demo data makes them: an email, a session to come, one past."""
    owner = live_server.staff
    client_id = live_server.make_client(
        first_name="Paloma", last_name="Reyes", email="Paloma.Reyes@example.com", city="Leeds"
    )
    with live_server.app.app_context():
        practitioner_id = add_staff(
            "rita.portal@example.com", "Rita Portal", "practitioner", "pw-long-1x"
        ).id
        service_settings.set_practitioner(practitioner_id, True, ALL_WEEK, owner)
        service_id = service_settings.save_service(
            service_values(name="Hot stone portal"), owner
        ).id
        day = datetime.now(LONDON).date() + timedelta(days=5)
        scheduling.create_booking(
            scheduling.BookingRequest(
                client_id=client_id,
                service_id=service_id,
                practitioner_id=practitioner_id,
                day=day,
                wall_time=time(10, 0),
            ),
            owner,
        )
        scheduling.add_past_session(
            client_id,
            service_id,
            practitioner_id,
            datetime.now(LONDON) - timedelta(days=12),
            "completed",
        )
    return client_id


def test_a_newcomer_invites_a_client_who_sees_their_sessions_on_a_phone(
    page: Page, staff_page, live_server, browser, console, screenshots
):
    client_id = _demo_client_with_sessions(live_server)

    # Staff: the profile's "Invite to client page", a confirmation naming the address.
    page.goto(f"/clients/{client_id}")
    expect(page.locator("#client-page-state")).to_have_text("Not invited.")
    page.get_by_role("link", name="Invite to client page").click()
    expect(page.locator("#account-link-address")).to_have_text("paloma.reyes@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#account-link-sent")).to_contain_text("sent to paloma.reyes@example.com")

    # Settings → Outbox: the invitation waits there (no mail server); its link is in it.
    page.goto("/settings/labels")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Outbox").click()
    expect(page).to_have_url(re.compile(r"/settings/outbox$"))
    # (Other journeys may have sent invitations too: hers is the one to her address.)
    row = (
        page.locator("#outbox-rows tr")
        .filter(has_text="Your page at")
        .filter(has_text="paloma.reyes@example.com")
    )
    expect(row).to_contain_text("Invitation")
    row.get_by_role("link", name=re.compile("Your page at")).click()
    body = page.get_by_label("Message text")
    expect(body).to_contain_text("/me/set-password?token=")
    link = re.search(r"https?://\S+/me/set-password\?token=\S+", body.inner_text()).group(0)

    # The profile's Messages tab says a link was sent and until when it works, never the
    # link: every role reads that tab, and the link opens the client's account.
    page.goto(f"/clients/{client_id}/messages")
    message = page.locator(".message").filter(has_text="Your page at")
    message.get_by_role("link", name=re.compile("Show message")).click()
    expect(message).to_contain_text("Not shown to staff; it works until")
    expect(message).not_to_contain_text("set-password")
    page.screenshot(path=str(screenshots / "messages-invitation-withheld.png"), full_page=True)

    # The client, on a phone: choose a password, land on their own page.
    phone = browser.new_context(
        viewport=VIEWPORTS["phone"], base_url=live_server.url, locale="en-GB"
    )
    client_page = phone.new_page()
    client_page.goto(link)
    expect(client_page.get_by_role("heading", name="Choose your password")).to_be_visible()
    # The token left the address bar (and so the history and any Referer) at once.
    expect(client_page).to_have_url(re.compile(r"/me/set-password$"))
    field(client_page, "New password").fill(CLIENT_PASSWORD)
    field(client_page, "Repeat the password").fill(CLIENT_PASSWORD)
    client_page.get_by_role("button", name="Save password and open my page").click()
    expect(client_page).to_have_url(re.compile(r"/me$"))
    expect(client_page.get_by_role("heading", name="Paloma Reyes", level=1)).to_be_visible()
    sessions = client_page.locator("section").filter(
        has=client_page.get_by_role("heading", name="Your sessions")
    )
    upcoming = sessions.locator("section").filter(
        has=client_page.get_by_role("heading", name="Upcoming")
    )
    expect(upcoming).to_contain_text("Hot stone portal")
    expect(upcoming).to_contain_text("Confirmed")
    past = sessions.locator("section").filter(has=client_page.get_by_role("heading", name="Past"))
    expect(past).to_contain_text("Completed")
    expect(client_page.get_by_role("link", name="Download calendar file").first).to_be_visible()
    # Phone-first: nothing wider than the screen, touch targets of 44 px.
    width = client_page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"]
    box = client_page.get_by_role("link", name="Download calendar file").first.bounding_box()
    assert box["height"] >= 44
    client_page.screenshot(path=str(screenshots / "client-page-phone.png"), full_page=True)

    # The link was single-use; signing out and in again works with the password.
    client_page.goto(link)
    expect(client_page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    client_page.goto("/me")
    client_page.get_by_role("button", name="Sign out").click()
    expect(client_page).to_have_url(re.compile(r"/me/login$"))
    field(client_page, "Email").fill("paloma.reyes@example.com")
    field(client_page, "Password").fill(CLIENT_PASSWORD)
    client_page.get_by_role("button", name="Sign in").click()
    expect(client_page).to_have_url(re.compile(r"/me$"))
    phone.close()

    # Back on the profile, the card says the page is in use.
    page.goto(f"/clients/{client_id}")
    expect(page.locator("#client-page-state")).to_contain_text("Active")
