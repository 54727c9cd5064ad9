"""Plans and memberships in a real browser: a manager sets up a monthly plan and a pack in
Settings → Plans, sells the membership from a profile, sees the card under the name with
the next payment due, records a payment and sees the date move, then sells the pack."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.accounts.dates import add_periods
from e2e.conftest import PASSWORD
from e2e.helpers import VIEWPORTS, field

MANAGER_EMAIL = "manager.memberships@example.com"


def _medium(day) -> str:
    """A date as the business (en_GB) writes it: "1 Mar 2027"."""
    return f"{day.day} {day.strftime('%b %Y')}"


def _add_plan(page: Page, kind: str, name: str, price: str, credits: str, expiry: str = ""):
    page.get_by_role("radio", name=kind).check()
    field(page, "Name").fill(name)
    field(page, "Price").fill(price)
    field(page, "Credits").fill(credits)
    field(page, "Credits expire after (days)").fill(expiry)
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_a_manager_sells_a_membership_and_a_pack(
    page: Page, sign_in, live_server, console, screenshots
):
    live_server.make_staff(MANAGER_EMAIL, "Mina Manager", role="manager")
    client_id = live_server.make_client(first_name="Maya", last_name="Member")
    sign_in(MANAGER_EMAIL, PASSWORD)
    console.allow(r"status of 422")

    # Settings → Plans: a bad price is explained beside its field, nothing typed lost.
    page.goto("/settings/services")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Plans", exact=True)).to_be_visible()
    field(page, "Name").fill("Gold monthly")
    field(page, "Price").fill("-45")
    page.get_by_role("button", name="Add plan").click()
    expect(page.get_by_text("The price cannot be negative.")).to_be_visible()
    expect(field(page, "Name")).to_have_value("Gold monthly")
    page.get_by_role("combobox", name="Billing period").select_option(label="Monthly")
    _add_plan(page, "Membership", "Gold monthly", "45", "8")
    _add_plan(page, "Pack", "10 classes", "90", "10", "90")
    expect(page.get_by_text("10 credits, 90 days")).to_be_visible()

    # The profile: "New membership" opens the form in the panel.
    page.goto(f"/clients/{client_id}")
    expect(page.locator(".membership-card")).to_have_count(0)
    page.get_by_role("link", name="New membership").click()
    expect(page.get_by_role("heading", name="New membership")).to_be_visible()
    plan = page.get_by_role("combobox", name="Plan")
    plan.select_option(label="Gold monthly — £45.00 a month")
    page.get_by_role("button", name="Sell").click()

    today = datetime.now(ZoneInfo("Europe/London")).date()
    header = page.locator("#profile-header")
    card = header.get_by_role("region", name="Gold monthly")
    expect(card.get_by_role("heading", name="Gold monthly")).to_be_visible()
    expect(card).to_contain_text("Active")
    expect(card).to_contain_text(f"Next payment due {_medium(today)}")

    for viewport in ("phone", "tablet", "desk"):
        page.set_viewport_size(VIEWPORTS[viewport])
        expect(card.get_by_role("link", name="Record payment")).to_be_visible()
        box = card.get_by_role("link", name="Record payment").bounding_box()
        assert box["height"] >= 44
        header.screenshot(path=str(screenshots / f"membership-card-{viewport}.png"))
    page.set_viewport_size(VIEWPORTS["desk"])

    # Record payment: the due date moves a month on.
    card.get_by_role("link", name="Record payment").click()
    expect(page.get_by_role("heading", name="Record payment")).to_be_visible()
    expect(field(page, "Amount")).to_have_value("45.00")
    page.get_by_role("combobox", name="Payment method").select_option(label="Cash")
    page.get_by_role("button", name="Record payment").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    following = add_periods(today, "month", 1)
    expect(card).to_contain_text(f"Next payment due {_medium(following)}")

    # The pack: sold paid now, its credits granted.
    page.get_by_role("link", name="New membership").click()
    page.get_by_role("combobox", name="Plan").select_option(
        label="10 classes — £90.00 (10 credits, 90 days)"
    )
    page.get_by_role("checkbox", name="Paid now").check()
    page.get_by_role("combobox", name="Payment method").select_option(label="Card at the terminal")
    page.get_by_role("button", name="Sell").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}$"))
    expect(card).to_be_visible()  # the membership stays the card; the pack is on the timeline
    page.get_by_role("tab", name="Activity").click()
    timeline = page.get_by_role("list", name="Activity timeline")
    expect(timeline.get_by_text("Pack sold")).to_be_visible()
    expect(timeline.get_by_text("Payment recorded")).to_be_visible()
    expect(timeline.get_by_text("Membership started")).to_be_visible()
