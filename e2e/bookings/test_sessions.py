"""Sessions in a real browser: booking an appointment and a class from the profile, the
waitlist moving in after a cancellation, reschedule, complete, no-show and check-in, on
a desk and on a tablet-sized screen; and the reception screen."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.auth.ops import add_staff
from app.bookings import scheduling, service_settings
from app.core.extensions import db
from app.models import Booking
from e2e.helpers import VIEWPORTS, book_from_profile, field
from tests.helpers.bookings import ALL_WEEK, LONDON, service_values


def reveal_past_sessions(page: Page) -> None:
    """Scroll the past sessions into view: they load when revealed, and the loaded list
    replaces the placeholder (a locator held across that swap would find it detached)."""
    page.evaluate("document.getElementById('sessions-past').scrollIntoView()")


@pytest.fixture(scope="module")
def bookable(live_server):
    """A practitioner who works every day and a massage and a yoga class for 1."""
    owner = live_server.staff
    with live_server.app.app_context():
        sam_id = add_staff("sam.e2e@example.com", "Sam Bookwell", "practitioner", "pw-long-1x").id
        service_settings.set_practitioner(sam_id, True, ALL_WEEK, owner)
        massage = service_settings.save_service(service_values(name="Massage e2e"), owner).id
        yoga = service_settings.save_service(
            service_values(name="Yoga e2e", capacity=1, duration_minutes=60), owner
        ).id
        service_settings.save_service(service_values(name="Yoga e2e", capacity=2), owner, yoga)
        day = datetime.now(LONDON).date() + timedelta(days=3)
        service_settings.add_class_time(yoga, day.weekday(), time(18, 0), sam_id, owner)
    return {"sam": sam_id, "massage": massage, "yoga": yoga, "day": day}


def sessions_tab(page: Page):
    return page.get_by_role("tabpanel")


@pytest.mark.parametrize("viewport", ["desk", "tablet"])
def test_book_reschedule_check_in_and_cancel(
    page: Page, staff_page, live_server, bookable, viewport, screenshots
):
    page.set_viewport_size(VIEWPORTS[viewport])
    client_id = live_server.make_client(first_name="Rosa", last_name=f"Booker {viewport}")
    page.goto(f"/clients/{client_id}")
    book_from_profile(page, "Massage e2e", bookable["day"], "10:00", "Sam Bookwell")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Session booked.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/sessions$"))
    row = page.locator(".session-row").filter(has_text="Massage e2e")
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text(f"{bookable['day'].day} ")  # the day chosen, not today
    page.screenshot(path=str(screenshots / f"sessions-{viewport}.png"), full_page=True)

    row.get_by_role("link", name="Reschedule").click()
    form = page.locator(".reschedule-form")
    expect(form).to_be_visible()
    field(form, "Time").select_option(value="11:00")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".session-row").filter(has_text="Massage e2e")).to_contain_text("11:00")

    row = page.locator(".session-row").filter(has_text="Massage e2e")
    row.get_by_role("button", name="Check in").click()
    expect(page.locator(".session-row").filter(has_text="Massage e2e")).to_contain_text("Confirmed")
    page.get_by_role("tab", name="Check-ins").click()
    expect(sessions_tab(page)).to_contain_text("for Massage e2e")

    page.get_by_role("tab", name="Sessions").click()
    row = page.locator(".session-row").filter(has_text="Massage e2e")
    row.locator("summary").click()
    row.get_by_label("Reason").fill("Feeling unwell")
    row.get_by_role("button", name="Cancel session").click()
    expect(page.locator(".session-row").filter(has_text="Massage e2e")).to_contain_text("Cancelled")
    expect(page.locator(".session-row").filter(has_text="Massage e2e")).to_contain_text(
        "Feeling unwell"
    )


def test_full_class_waitlist_and_a_cancellation_moves_the_first_in(
    page: Page, staff_page, live_server, bookable
):
    first = live_server.make_client(first_name="Ida", last_name="First")
    second = live_server.make_client(first_name="Jon", last_name="Second")
    waiting = live_server.make_client(first_name="Kim", last_name="Waiting")
    for client_id in (first, second):
        page.goto(f"/clients/{client_id}")
        book_from_profile(page, "Yoga e2e", bookable["day"], "18:00")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Session booked.")).to_be_visible()
    page.goto(f"/clients/{waiting}")
    book_from_profile(page, "Yoga e2e", bookable["day"], "18:00")
    expect(field(page, "Time")).to_contain_text("full (waitlist)")
    page.get_by_label("Join waitlist when the class is full").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Added to the waitlist.")).to_be_visible()
    expect(page.locator(".session-row").filter(has_text="Yoga e2e")).to_contain_text("Waitlisted")

    page.goto(f"/clients/{first}/sessions")
    row = page.locator(".session-row").filter(has_text="Yoga e2e")
    row.locator("summary").click()
    row.get_by_role("button", name="Cancel session").click()
    expect(page.locator(".session-row").filter(has_text="Yoga e2e")).to_contain_text("Cancelled")
    page.goto(f"/clients/{waiting}/sessions")
    expect(page.locator(".session-row").filter(has_text="Yoga e2e")).to_contain_text("Confirmed")
    page.goto(f"/clients/{waiting}/activity?kind=sessions")
    expect(page.get_by_role("list", name="Activity timeline")).to_contain_text(
        "Moved in from the waitlist"
    )


def test_complete_and_no_show_on_past_sessions(page: Page, staff_page, live_server, bookable):
    client_id = live_server.make_client(first_name="Paula", last_name="Past")
    with live_server.app.app_context():
        for days in (1, 2):
            scheduling.add_past_session(
                client_id,
                bookable["massage"],
                bookable["sam"],
                datetime.now(UTC) - timedelta(days=days),
                "confirmed",
                live_server.staff,
            )
    page.goto(f"/clients/{client_id}/sessions")
    # The past loads when scrolled to, as a member of staff would scroll.
    reveal_past_sessions(page)
    rows = page.locator("#sessions-past .session-row")
    expect(rows).to_have_count(2)
    rows.nth(0).get_by_role("button", name="Mark completed").click()
    expect(page.locator("#sessions-past .session-row").nth(0)).to_contain_text("Completed")
    page.locator("#sessions-past .session-row").nth(1).get_by_role(
        "button", name="Mark no-show"
    ).click()
    expect(page.locator("#sessions-past .session-row").nth(1)).to_contain_text("No-show")
    page.get_by_role("tab", name="Overview").click()
    stats = page.locator(".card--stats")
    expect(stats).to_contain_text("Total sessions")
    expect(stats.locator("div").filter(has_text="No-shows").locator("dd")).to_have_text("1")


@pytest.mark.parametrize("viewport", ["phone", "tablet", "desk"])
def test_a_trashed_clients_sessions_are_read_only(
    page: Page, staff_page, live_server, bookable, viewport, screenshots
):
    """Deleted from the profile, the client's sessions are still listed, with no
    button to change them; "Restore" brings the buttons back."""
    page.set_viewport_size(VIEWPORTS[viewport])
    client_id = live_server.make_client(first_name="Tessa", last_name=f"Trash {viewport}")
    with live_server.app.app_context():
        scheduling.add_past_session(
            client_id,
            bookable["massage"],
            bookable["sam"],
            datetime.now(UTC) - timedelta(days=1),
            "confirmed",
            live_server.staff,
        )
    page.goto(f"/clients/{client_id}/sessions")
    reveal_past_sessions(page)
    past = page.locator("#sessions-past .session-row")
    expect(past.get_by_role("button", name="Mark completed")).to_be_visible()
    page.goto(f"/clients/{client_id}")
    page.get_by_role("link", name="Delete", exact=True).first.click()
    page.get_by_role("button", name="Delete client").click()
    expect(page).to_have_url(re.compile(r"/clients\?show=deleted$"))
    page.goto(f"/clients/{client_id}/sessions")
    reveal_past_sessions(page)
    expect(past).to_have_count(1)
    expect(past).to_contain_text("Massage e2e")
    expect(page.get_by_role("tabpanel").get_by_role("button")).to_have_count(0)
    page.screenshot(path=str(screenshots / f"sessions-trashed-{viewport}.png"), full_page=True)


def test_reception_checks_in_at_tablet_width(
    page: Page, staff_page, live_server, bookable, screenshots
):
    page.set_viewport_size(VIEWPORTS["tablet"])
    client_id = live_server.make_client(first_name="Tess", last_name="Today")
    later = datetime.now(UTC) + timedelta(minutes=20)
    if later.astimezone(LONDON).date() != datetime.now(LONDON).date():
        later = datetime.now(UTC) - timedelta(minutes=20)
    with live_server.app.app_context():
        scheduling.add_past_session(
            client_id, bookable["massage"], bookable["sam"], later, "confirmed", live_server.staff
        )
    page.goto("/reception")
    expect(page.get_by_role("heading", name="Reception", level=1)).to_be_visible()
    entry = page.locator(".day-entry").filter(has_text="Tess Today")
    button = entry.get_by_role("button", name="Check in Tess Today")
    box = button.bounding_box()
    assert box and box["height"] >= 44
    page.get_by_label("Name or last digits of a phone number").fill("Tess")
    button.click()
    expect(page.get_by_role("status").filter(has_text="Checked in.")).to_be_visible()
    page.get_by_text("Arrived and done").click()
    arrived = page.get_by_role("list", name="Arrived and done")
    expect(arrived.locator(".day-entry").filter(has_text="Tess Today")).to_contain_text("Arrived")
    # The quick find kept what was typed through the swap.
    expect(page.get_by_label("Name or last digits of a phone number")).to_have_value("Tess")
    page.screenshot(path=str(screenshots / "reception-tablet.png"), full_page=True)
    with live_server.app.app_context():
        assert db.session.query(Booking).filter_by(client_id=client_id).one().status == "confirmed"
