"""The main screens at phone, tablet and desk widths: no sideways scrolling, touch-sized
targets, no serious accessibility violations, no console errors. Screenshots of each
screen at each width land in e2e/screenshots/ for a human to look at."""

import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.clients import alert_ops, detail_ops, label_ops, note_ops, privacy_ops
from app.core.extensions import db
from app.models import EDITABLE_FIELDS, Client
from e2e.helpers import (
    VIEWPORTS,
    check_screen,
    field,
)


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture(scope="session")
def showcase_client(live_server):
    """A client with every field filled, long values, and a short history of edits."""
    client_id = live_server.make_client(
        first_name="Maximiliana",
        last_name="Featherstonehaugh-Abernathy",
        email="maximiliana.featherstonehaugh-abernathy@longdomain-example.co.uk",
        phone="+442079460123",
        whatsapp="+33612345678",
        birth_date=date(1979, 11, 3),
        preferred_language="fr",
        address="Flat 12, The Old Rope Works, 145 Upper Kennington Lane",
        city="London",
        state="Greater London",
        postal_code="SE11 5QT",
        country="GB",
    )
    for first, last, phone in [
        ("Ada", "Lovelace", "+447700900123"),
        ("Jun", "Oh", None),
        ("Oluwaseun", "Adeyemi-Bankole", "+12025550143"),
    ]:
        live_server.make_client(
            first_name=first, last_name=last, phone=phone, email=f"{first.lower()}@example.com"
        )
    edits = [
        {"city": "Kennington"},
        {"phone": "+442079460958", "postal_code": "SE11 4AB"},
        {"birth_date": date(1979, 11, 30)},
        {"city": "London", "state": "Greater London"},
    ]
    with live_server.app.app_context():
        for changes in edits:
            client = db.session.get(Client, client_id)
            values = {name: getattr(client, name) for name in EDITABLE_FIELDS}
            detail_ops.update_client(client, values | changes, live_server.staff)
        # What makes a profile long and busy: labels, an alert, pinned and plain notes, a lock.
        client = db.session.get(Client, client_id)
        labels = {
            label_ops.create_label(name, colour, live_server.staff).id
            for name, colour in [("VIP", "purple"), ("Prefers mornings", "yellow")]
        }
        label_ops.set_client_labels(client, labels, live_server.staff)
        alert_ops.add_alert(client, "critical", "Severe nut allergy", live_server.staff)
        note_ops.add_note(client, "Likes the quiet room.", live_server.staff, pinned=True)
        note_ops.add_note(client, "Asked about gift vouchers.\nCall back.", live_server.staff)
        privacy_ops.lock_client(client, "Details verified", live_server.staff)
    return client_id


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_screens_fit_and_are_accessible(
    page, sign_in, console, axe, screenshots, showcase_client, width
):
    console.allow(r"status of 422")  # the new-client form shown with its errors
    page.set_viewport_size(VIEWPORTS[width])
    problems = []

    def screen(name: str) -> None:
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx's settle
        # step would copy onto swapped-in inputs and the CSP would then report.
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True, caret="initial")
        problems.extend(check_screen(page, axe, f"{name} at {width}"))

    page.goto("/login")
    screen("sign-in")

    sign_in()
    expect(page.get_by_role("link", name="Maximiliana Featherstonehaugh-Abernathy")).to_be_visible()
    screen("client-list")

    page.goto(f"/clients/{showcase_client}")
    expect(page.get_by_role("heading", name="Contact information")).to_be_visible()
    screen("profile-overview")

    page.get_by_role("tab", name="Activity").click()
    timeline = page.get_by_role("list", name="Activity timeline")
    timeline.scroll_into_view_if_needed()  # the first page loads when it comes into view
    expect(timeline.locator("li.event")).to_have_count(10)
    screen("profile-activity")

    page.get_by_role("tab", name="Overview").click()
    page.get_by_role("link", name="Manage labels").click()
    expect(page.get_by_role("group", name=re.compile("^Labels for"))).to_be_visible()
    screen("profile-labels")

    page.goto("/clients?show=deleted")
    expect(page.get_by_role("radio", name="Deleted clients")).to_be_checked()
    screen("client-trash")

    page.goto("/settings/labels")
    expect(page.get_by_role("heading", name="New label")).to_be_visible()
    screen("settings-labels")

    page.goto(f"/clients/{showcase_client}/erase")
    expect(page.get_by_role("button", name="Erase personal data")).to_be_visible()
    screen("client-erase")

    page.goto("/clients/export")
    expect(page.get_by_role("group", name="Columns")).to_be_visible()
    screen("client-export")

    page.goto("/clients/new")
    expect(field(page, "First name")).to_be_visible()
    screen("client-new")

    field(page, "First name").fill("Ngozi")
    field(page, "Email").fill("ngozi@")
    field(page, "Phone").fill("020 7946 0958")
    page.get_by_role("button", name="Save").click()
    expect(field(page, "Email")).to_have_attribute("aria-invalid", "true")
    screen("client-new-errors")

    assert not problems, "\n".join(problems)
