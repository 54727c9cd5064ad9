"""The client list's row menu: which items each role sees for each kind of client, that
the routes refuse what the menu leaves out, and that its own writes (Unblock, Block with
a reason) work, come back to the list and reach the timeline."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.clients import detail_ops, privacy_ops
from app.core.extensions import db
from app.core.parts import badge_queries
from app.models import Activity, Client

ROLES = ("owner", "manager", "front_desk", "practitioner")


class RowMenus(HTMLParser):
    """Each row menu on a page: its button's attributes, and its items (the text of each
    link or button) with the link's href or the form's action and fields."""

    def __init__(self, html: str):
        super().__init__()
        self.buttons: dict[str, dict] = {}  # menu id -> the attributes of its button
        self.items: dict[str, dict[str, dict]] = {}  # menu id -> item text -> request
        self._menu = None
        self._item = None
        self._form = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "button" and "popovertarget" in attrs:
            self.buttons[attrs["popovertarget"]] = attrs
        elif tag == "ul" and "popover" in attrs:
            self._menu = attrs["id"]
            self.items[self._menu] = {}
        elif self._menu and tag == "form":
            self._form = {"method": "post", "url": attrs["action"], "data": {}}
        elif self._menu and self._form and tag == "input":
            self._form["data"][attrs["name"]] = attrs["value"]
        elif self._menu and tag == "a":
            self._item = {"method": "get", "url": attrs["href"], "text": ""}
        elif self._menu and tag == "button":
            self._item = {**self._form, "text": ""}

    def handle_data(self, data):
        if self._item is not None:
            self._item["text"] += data

    def handle_endtag(self, tag):
        if tag == "ul" and self._menu:
            self._menu = None
        elif tag == "form":
            self._form = None
        elif tag in ("a", "button") and self._item is not None:
            item = self._item
            self.items[self._menu][item.pop("text").strip()] = item
            self._item = None


def menu_of(page: str, client_id: int) -> dict[str, dict]:
    return RowMenus(page).items[f"row-menu-{client_id}"]


@pytest.fixture
def clients(app, client_factory, owner):
    """One client of each kind the menu tells apart, by kind."""
    ids = {
        kind: client_factory(first_name=kind.capitalize(), last_name="Rowmenu")
        for kind in ("plain", "locked", "blocked", "trashed", "locked_trashed")
    }
    with app.app_context():
        staff = owner.staff
        for kind in ("locked", "locked_trashed"):
            privacy_ops.lock_client(db.session.get(Client, ids[kind]), "Verified", staff)
        detail_ops.set_booking_policy(
            db.session.get(Client, ids["blocked"]), "block", "No-shows", staff
        )
        for kind in ("trashed", "locked_trashed"):
            privacy_ops.delete_client(db.session.get(Client, ids[kind]), staff)
    return ids


EVERY_DETAIL = ["View client", "Edit", "Merge with…", "Block online bookings", "Delete"]
NO_MERGE = ["View client", "Edit", "Block online bookings", "Delete"]
UNBLOCK = ["View client", "Edit", "Merge with…", "Unblock online bookings", "Delete"]
VIEW_ONLY = ["View client"]
# What each role finds in the menu of each kind of client.
EXPECTED = {
    "plain": {
        "owner": EVERY_DETAIL,
        "manager": EVERY_DETAIL,
        "front_desk": NO_MERGE,
        "practitioner": ["View client", "Edit", "Block online bookings"],
    },
    "locked": {
        "owner": EVERY_DETAIL,
        "manager": EVERY_DETAIL,
        "front_desk": VIEW_ONLY,
        "practitioner": VIEW_ONLY,
    },
    "blocked": {
        "owner": UNBLOCK,
        "manager": UNBLOCK,
        "front_desk": ["View client", "Edit", "Unblock online bookings", "Delete"],
        "practitioner": ["View client", "Edit", "Unblock online bookings"],
    },
    "trashed": {
        "owner": ["View client", "Restore"],
        "manager": ["View client", "Restore"],
        "front_desk": ["View client", "Restore"],
        "practitioner": VIEW_ONLY,
    },
    "locked_trashed": {
        "owner": ["View client", "Restore"],
        "manager": ["View client", "Restore"],
        "front_desk": VIEW_ONLY,
        "practitioner": VIEW_ONLY,
    },
}


def list_url_for(kind: str) -> str:
    return "/clients?show=deleted" if kind.endswith("trashed") else "/clients"


def candidate_items(kind: str) -> list[str]:
    """What the menu could offer for this kind of client, given every right (in the
    trash, the details' items are refused to everyone: the profile is read-only)."""
    switch = "Unblock online bookings" if kind == "blocked" else "Block online bookings"
    items = ["Edit", "Merge with…", switch, "Delete"]
    return items + ["Restore"] if kind.endswith("trashed") else items


def item_requests(client_id: int, other_id: int) -> dict[str, list[tuple[str, str, dict]]]:
    """Every request an item stands for (a link's page, and the write behind it)."""
    base = f"/clients/{client_id}"
    return {
        "Edit": [("get", f"{base}/edit", {}), ("post", f"{base}/edit", {"first_name": "X"})],
        # The merge page names a profile that cannot take part; merging it is refused.
        "Merge with…": [
            ("post", "/clients/merge", {"client": [other_id, client_id], "survivor": other_id})
        ],
        "Block online bookings": [
            ("get", f"{base}/booking-policy?policy=block", {}),
            ("post", f"{base}/booking-policy", {"policy": "block", "reason": "Test"}),
        ],
        "Unblock online bookings": [("post", f"{base}/booking-policy", {"policy": "allow"})],
        "Delete": [("get", f"{base}/delete", {}), ("post", f"{base}/delete", {})],
        "Restore": [("post", f"{base}/restore", {})],
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", EXPECTED)
def test_each_role_sees_the_items_the_routes_allow(app, login, clients, role, kind):
    staff = login(role)
    client_id = clients[kind]
    page = staff.get(list_url_for(kind)).text
    menu = menu_of(page, client_id)
    assert list(menu) == EXPECTED[kind][role]
    # Every link shown opens its page.
    for text, item in menu.items():
        if item["method"] == "get":
            assert staff.get(item["url"]).status_code == 200, text
    # Every item left out is refused by its route, reading or writing.
    other_id = clients["blocked" if kind == "plain" else "plain"]
    with app.app_context():
        versions = {i: db.session.get(Client, i).version for i in (client_id, other_id)}
    for text in candidate_items(kind):
        if text in menu:
            continue
        for method, url, data in item_requests(client_id, other_id)[text]:
            response = staff.get(url) if method == "get" else staff.post(url, data)
            # 403 without the right; 409 from the merge, which explains what stops it.
            refused = (403, 409) if text == "Merge with…" else (403,)
            assert response.status_code in refused, (text, method, url)
    with app.app_context():  # nothing written
        assert {i: db.session.get(Client, i).version for i in versions} == versions


def test_the_button_is_named_after_the_client_and_escapes_the_name(owner, client_factory):
    bold = client_factory(first_name="<b>Ann</b>", last_name="Lee")
    single = client_factory(first_name="Cher", last_name=None)
    page = owner.get("/clients").text
    buttons = RowMenus(page).buttons
    assert buttons[f"row-menu-{bold}"]["aria-label"] == "Actions for <b>Ann</b> Lee"
    assert 'aria-label="Actions for &lt;b&gt;Ann&lt;/b&gt; Lee"' in page
    assert "<b>Ann</b>" not in page
    assert buttons[f"row-menu-{single}"]["aria-label"] == "Actions for Cher"
    button = buttons[f"row-menu-{single}"]
    assert button["type"] == "button" and button["aria-haspopup"] == "menu"
    assert button["aria-expanded"] == "false"
    assert button["aria-controls"] == f"row-menu-{single}"


def test_unblock_is_one_post_that_comes_back_to_the_list_and_reaches_the_timeline(
    app, login, clients
):
    desk = login("front_desk")
    blocked = clients["blocked"]
    list_page = "/clients?q=rowmenu"
    page = desk.get(list_page).text
    assert "Online booking blocked" in page
    unblock = menu_of(page, blocked)["Unblock online bookings"]
    assert unblock["method"] == "post" and unblock["data"]["csrf_token"]
    assert unblock["data"]["policy"] == "allow" and unblock["data"]["next"] == list_page

    response = desk.client.post(unblock["url"], data=unblock["data"])
    assert response.status_code == 303 and response.location == list_page
    page = desk.get(list_page).text
    assert "Block online bookings" in menu_of(page, blocked)
    with app.app_context():
        assert db.session.get(Client, blocked).booking_policy == "allow"
        last = db.session.scalars(
            select(Activity).where(Activity.client_id == blocked).order_by(Activity.id.desc())
        ).first()
        assert last.verb == "client.booking_policy_changed"
        assert last.actor_id == desk.staff.id
        assert last.changes["booking_policy"] == ["block", "allow"]
    timeline = desk.get(f"/clients/{blocked}/activity/timeline").text
    assert "Online booking changed" in timeline


def test_unblock_without_the_csrf_token_is_refused(app, login, clients):
    desk = login("front_desk")
    blocked = clients["blocked"]
    unblock = menu_of(desk.get("/clients").text, blocked)["Unblock online bookings"]
    data = {name: value for name, value in unblock["data"].items() if name != "csrf_token"}
    assert desk.client.post(unblock["url"], data=data).status_code == 400
    with app.app_context():
        assert db.session.get(Client, blocked).booking_policy == "block"


def test_block_opens_the_booking_form_with_block_chosen_and_asks_for_a_reason(app, owner, clients):
    plain = clients["plain"]
    list_page = "/clients?q=rowmenu"
    block = menu_of(owner.get(list_page).text, plain)["Block online bookings"]
    assert block["method"] == "get"
    form_page = owner.get(block["url"])
    assert form_page.status_code == 200
    html = form_page.text
    assert '<option selected value="block">' in html
    assert f'name="next" value="{list_page}"' in html
    assert f'href="{list_page}">Cancel</a>' in html

    missing_reason = owner.post(
        f"/clients/{plain}/booking-policy", {"policy": "block", "next": list_page}
    )
    assert missing_reason.status_code == 422 and "Say why" in missing_reason.text
    assert f'name="next" value="{list_page}"' in missing_reason.text  # kept for the retry

    saved = owner.post(
        f"/clients/{plain}/booking-policy",
        {"policy": "block", "reason": "Three no-shows", "next": list_page},
    )
    assert saved.status_code == 303 and saved.location == list_page
    page = owner.get(list_page).text
    assert "Unblock online bookings" in menu_of(page, plain)
    with app.app_context():
        client = db.session.get(Client, plain)
        assert (client.booking_policy, client.booking_policy_reason) == ("block", "Three no-shows")


def test_the_booking_form_goes_back_only_to_a_page_of_this_site(owner, clients):
    plain = clients["plain"]
    for elsewhere in ("https://example.com/", "//example.com/clients"):
        response = owner.post(
            f"/clients/{plain}/booking-policy", {"policy": "allow", "next": elsewhere}
        )
        assert response.status_code == 303
        assert response.location == f"/clients/{plain}"


def test_an_unknown_preselected_policy_keeps_the_current_one(owner, clients):
    html = owner.get(f"/clients/{clients['blocked']}/booking-policy?policy=nonsense").text
    assert '<option selected value="block">' in html


def test_rows_of_later_pages_have_their_menus_and_come_back_to_the_list(app, owner, client_factory):
    app.config["PAGE_SIZE"] = 2
    ids = [client_factory(first_name="Paged", last_name=f"Row {n}") for n in range(3)]
    first = owner.get("/clients?q=paged").text
    assert set(RowMenus(first).items) == {f"row-menu-{ids[0]}", f"row-menu-{ids[1]}"}
    later = owner.get(f"/clients?q=paged&after={ids[1]}", hx=True).text
    menu = menu_of(later, ids[2])
    assert "Edit" in menu
    next_page = parse_qs(urlsplit(menu["Block online bookings"]["url"]).query)["next"]
    assert next_page == ["/clients?q=paged"]  # the list, not the page cursor


def test_the_menus_cost_no_queries(app, login, client_factory, clients, count_queries):
    desk = login("front_desk")

    def queries_for(url):
        with count_queries() as statements:
            page = desk.get(url)
        assert page.status_code == 200
        return len(statements), page.text

    few, _ = queries_for("/clients")
    for number in range(20):
        client_factory(first_name="More", last_name=f"Client {number}")
    many, page = queries_for("/clients")
    # (the list's own queries, and the badges other areas put beside the names)
    assert many == few <= 4 + badge_queries()
    assert len(RowMenus(page).items) == 20 + 3  # the new ones, plain, locked and blocked
    trash_queries, trash = queries_for("/clients?show=deleted")
    assert trash_queries <= 4 + badge_queries() and len(RowMenus(trash).items) == 2
