"""Finding duplicates, merging them and undoing the merge, in a real browser."""

import re

from playwright.sync_api import expect

from e2e.helpers import VIEWPORTS


def test_find_merge_and_undo_a_duplicate(live_server, staff_page, screenshots):
    page = staff_page
    keep = live_server.make_client(
        first_name="Wilhelmina", last_name="Dupree", email="w.dupree@example.com"
    )
    other = live_server.make_client(
        first_name="Wilhelmina",
        last_name="Dupree",
        email="W.Dupree+spa@example.com",
        phone="+442079460444",
    )
    page.goto("/clients")
    page.get_by_role("link", name="Find duplicates").click()
    page.get_by_role("button", name="Find duplicates").click()
    pair = page.locator(".pair").filter(has_text="Wilhelmina Dupree")
    expect(pair).to_have_count(1, timeout=15_000)  # the page polls while the scan runs
    expect(pair).to_contain_text("same email; same name")
    for width in ("phone", "tablet", "desk"):
        page.set_viewport_size(VIEWPORTS[width])
        page.screenshot(path=screenshots / f"duplicates-{width}.png", full_page=True)
    pair.get_by_role("link", name=re.compile("^Merge")).click()
    expect(page.get_by_role("heading", name="Merge profiles")).to_be_visible()
    page.get_by_role("group", name="The profile that stays").get_by_role(
        "radio", name=re.compile(f"#{keep},")
    ).check()
    email = page.get_by_role("group", name="Email")
    email.get_by_role("radio", name=re.compile("W.Dupree\\+spa")).check()
    for width in ("phone", "tablet", "desk"):
        page.set_viewport_size(VIEWPORTS[width])
        page.screenshot(path=screenshots / f"merge-{width}.png", full_page=True)
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(f"/clients/{keep}$"))
    expect(page.locator("a.contact-link[href^=mailto]")).to_have_text(
        re.compile("W.Dupree\\+spa@example.com")
    )
    expect(page.get_by_text("Merged profiles")).to_be_visible()
    # The merged profile's old address leads here.
    page.goto(f"/clients/{other}")
    expect(page).to_have_url(re.compile(f"/clients/{keep}$"))
    page.get_by_role("button", name="Undo merge").click()
    expect(page).to_have_url(re.compile(f"/clients/{keep}$"))
    expect(page.locator("a.contact-link[href^=mailto]")).to_have_text(
        re.compile("w.dupree@example.com")
    )
    page.goto(f"/clients/{other}")
    expect(page).to_have_url(re.compile(f"/clients/{other}$"))
    expect(page.locator("a.contact-link[href^=mailto]")).to_have_text(
        re.compile("W.Dupree\\+spa@example.com")
    )
