"""A client asks for their data from their phone, staff approve it in Settings →
Requests, and the client downloads it through the emailed link."""

import json
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.models import OutgoingEmail
from e2e.helpers import VIEWPORTS, field

CLIENT_PASSWORD = "a long client secret"  # noqa: S105  (a test account's password)


def _newest_link(app, client_id: int) -> str:
    """The single-use link of the newest email to the client (what the client opens)."""
    with app.app_context():
        link = db.session.scalars(
            select(OutgoingEmail.secret_link)
            .where(OutgoingEmail.client_id == client_id)
            .order_by(OutgoingEmail.id.desc())
        ).first()
    assert link
    return re.sub(r"^https?://[^/]+", "", link)


def _client_with_a_password(live_server, email: str) -> int:
    """A client invited to their page who set a password, through the accounts' ops."""
    from app.portal import ops as portal_ops

    client_id = live_server.make_client(first_name="Nadia", last_name="Haddad", email=email)
    with live_server.app.test_request_context(base_url=live_server.url):
        portal_ops.send_invitation(client_id, live_server.staff)
    token = _newest_link(live_server.app, client_id).split("token=", 1)[1]
    with live_server.app.test_request_context(base_url=live_server.url):
        portal_ops.set_password(token, CLIENT_PASSWORD)
    return client_id


def test_a_client_asks_for_their_data_and_staff_approve_it(
    live_server, browser, staff_page, console, screenshots
):
    email = "nadia.requests@example.com"
    client_id = _client_with_a_password(live_server, email)

    # The client, on a phone.
    phone = browser.new_context(
        viewport=VIEWPORTS["phone"], base_url=live_server.url, locale="en-GB"
    )
    client_page = phone.new_page()
    client_page.goto("/me/login")
    field(client_page, "Email").fill(email)
    field(client_page, "Password").fill(CLIENT_PASSWORD)
    client_page.get_by_role("button", name="Sign in").click()
    expect(client_page).to_have_url(re.compile(r"/me$"))

    your_data = client_page.locator("#your-data")
    your_data.get_by_role("link", name="Download my data").click()
    expect(client_page.get_by_role("heading", name="Download my data")).to_be_visible()
    client_page.get_by_role("button", name="Yes, ask for my data").click()
    expect(client_page).to_have_url(re.compile(r"/me#your-data$"))
    expect(your_data.get_by_text("Waiting for a reply")).to_be_visible()
    # Nothing of the card runs wider than the phone.
    width = client_page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"]

    # Staff, at the desk: Settings → Requests.
    staff_page.goto("/settings/labels")
    staff_page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Requests"
    ).click()
    expect(staff_page.get_by_role("heading", name="Requests", exact=True)).to_be_visible()
    card = staff_page.locator("article").filter(has_text="Nadia Haddad")
    expect(card).to_contain_text("Download my data")
    card.get_by_role("button", name="Approve").click()
    expect(staff_page.get_by_role("table")).to_contain_text("Approved by")
    expect(staff_page.locator("article").filter(has_text="Nadia Haddad")).to_have_count(0)

    # The client opens the emailed link, signed in on their phone: the file arrives.
    client_page.reload()
    expect(your_data.get_by_text("Approved")).to_be_visible()
    link = _newest_link(live_server.app, client_id)
    with client_page.expect_download() as download_info:
        client_page.evaluate(
            """(href) => {
                const anchor = document.createElement('a');
                anchor.href = href;
                document.body.appendChild(anchor);
                anchor.click();
            }""",
            link,
        )
    download = download_info.value
    assert download.suggested_filename == f"client-{client_id}.json"
    with open(download.path(), encoding="utf-8") as file:
        exported = json.load(file)
    assert exported["profile"]["email"] == email
    assert exported["data_requests"][0]["status"] == "approved"
    client_page.screenshot(path=str(screenshots / "data-request-phone.png"))
    phone.close()
