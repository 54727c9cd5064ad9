"""Passes in a real browser: staff add a pass in the Account tab, find the client at
reception by the number typed (as a barcode scanner types it, then Enter), replace the
pass and the old number no longer finds them; the Account tab's ledger pages in as it is
scrolled."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import insert

from app.core.extensions import db
from app.models.accounts import ClientCreditBalance, CreditLedgerEntry
from e2e.helpers import VIEWPORTS, field

FIND = "Name or last digits of a phone number"


def _scan_at_reception(page: Page, number: str):
    page.goto("/reception")
    search = page.get_by_label(FIND)
    search.fill(number)
    search.press("Enter")
    return page.locator("#found-clients")


@pytest.mark.parametrize("viewport", ["desk", "phone"])
def test_add_a_pass_find_by_it_at_reception_and_replace_it(
    page: Page, staff_page, live_server, viewport, screenshots
):
    page.set_viewport_size(VIEWPORTS[viewport])
    name = f"Pia Passholder {viewport}"
    client_id = live_server.make_client(first_name="Pia", last_name=f"Passholder {viewport}")
    live_server.make_client(first_name="Pia", last_name=f"Other {viewport}")
    old_number, new_number = f"0042-{viewport}-1", f"0042-{viewport}-2"

    page.goto(f"/clients/{client_id}")
    page.get_by_role("tab", name="Account").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client_id}/account$"))
    passes = page.locator("#passes")
    passes.get_by_role("link", name="Add pass").click()
    number_field = field(passes, "Pass number")
    expect(number_field).to_be_visible()
    number_field.fill(old_number)
    add = passes.get_by_role("button", name="Add pass")
    box = add.bounding_box()
    assert box and box["height"] >= 44
    add.click()
    expect(passes.locator(".pass--active")).to_contain_text(old_number.upper())

    found = _scan_at_reception(page, old_number)
    expect(found.locator("li").first).to_contain_text(name)

    page.goto(f"/clients/{client_id}/account")
    passes = page.locator("#passes")
    passes.get_by_role("link", name="Replace pass").click()
    field(passes, "New pass number").fill(new_number)
    field(passes, "Reason").fill("Lost at the pool")
    passes.get_by_role("button", name="Replace pass").click()
    expect(passes.locator(".pass--active")).to_contain_text(new_number.upper())
    expect(passes.locator(".pass--active")).not_to_contain_text(old_number.upper())
    page.screenshot(path=str(screenshots / f"passes-{viewport}.png"), full_page=True)

    found = _scan_at_reception(page, old_number)
    expect(found).not_to_contain_text(name)
    found = _scan_at_reception(page, new_number.upper())
    expect(found.locator("li").first).to_contain_text(name)


def test_the_account_tab_shows_the_ledger_and_pages_in_older_changes(
    page: Page, staff_page, live_server
):
    page.set_viewport_size(VIEWPORTS["tablet"])
    client_id = live_server.make_client(first_name="Lea", last_name="Ledger")
    base = datetime.now(UTC) - timedelta(days=40)
    with live_server.app.app_context():
        db.session.execute(
            insert(CreditLedgerEntry),
            [
                {
                    "client_id": client_id,
                    "kind": "grant",
                    "amount": 1,
                    "balance_after": index + 1,
                    "reason": f"Change {index:02d}",
                    "actor_id": live_server.staff.id,
                    "created_at": base + timedelta(hours=index // 5),  # ties of five
                }
                for index in range(40)
            ],
        )
        db.session.add(ClientCreditBalance(client_id=client_id, balance=40))
        db.session.commit()
    page.goto(f"/clients/{client_id}")
    page.get_by_role("tab", name="Account").click()
    ledger = page.locator(".account-ledger")
    expect(ledger).to_contain_text("Change 39")
    expect(page.locator(".account-balance")).to_contain_text("40")
    rows = ledger.locator("tr.ledger-entry")
    expect(rows).to_have_count(25)
    # Scrolled to, the sentinel after the last row loads the older changes in its place.
    rows.last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 600)
    expect(rows).to_have_count(40)
    expect(ledger).to_contain_text("Change 00")
    reasons = rows.locator('td[data-label="Reason"]').all_inner_texts()
    assert len(set(reasons)) == 40
