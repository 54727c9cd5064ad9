"""The Account tab: memberships and packs, credits, the ledger in keyset pages, payments
and passes, in a fixed number of queries whatever the client's history holds."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.accounts.credits import queries
from app.core.extensions import db
from app.core.parts import all_tabs
from app.models.accounts import (
    ClientCreditBalance,
    CreditGrant,
    CreditLedgerEntry,
    Membership,
    MembershipPayment,
    MembershipPlan,
)
from tests.helpers.queries import measure

ROLES = ("owner", "manager", "front_desk", "practitioner")
BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _ledger_rows(app, client_id, count, actor_id=None, same_moment=False):
    """`count` ledger rows, one a minute (or all at one moment: ties), balance rising."""
    with app.app_context():
        db.session.execute(
            insert(CreditLedgerEntry),
            [
                {
                    "client_id": client_id,
                    "kind": "grant" if index % 3 else "redeem",
                    "amount": 1,
                    "balance_after": index + 1,
                    "reason": f"Entry {index}",
                    "actor_id": actor_id,
                    "created_at": BASE if same_moment else BASE + timedelta(minutes=index),
                }
                for index in range(count)
            ],
        )
        db.session.merge(ClientCreditBalance(client_id=client_id, balance=count))
        db.session.commit()


def _account_history(app, client_id, staff_id):
    """A monthly membership (active, with a payment), a cancelled pack, and grants in
    every state."""
    now = datetime.now(UTC)
    with app.app_context():
        monthly = MembershipPlan(
            name="Monthly Unlimited",
            kind="membership",
            price_minor=8900,
            billing_period="month",
            credits=8,
        )
        pack = MembershipPlan(name="10 classes", kind="pack", price_minor=12000, credits=10)
        db.session.add_all([monthly, pack])
        db.session.flush()
        active = Membership(
            client_id=client_id,
            plan_id=monthly.id,
            kind="membership",
            price_minor=8900,
            status="active",
            starts_on=date(2026, 1, 5),
            next_payment_due=date(2026, 3, 5),
        )
        old = Membership(
            client_id=client_id,
            plan_id=pack.id,
            kind="pack",
            price_minor=12000,
            status="cancelled",
            starts_on=date(2025, 6, 1),
            ends_on=date(2025, 8, 30),
            cancel_reason="Moved away",
        )
        db.session.add_all([active, old])
        db.session.flush()
        db.session.add(
            MembershipPayment(
                membership_id=active.id,
                client_id=client_id,
                amount_minor=8900,
                method="card_terminal",
                period_start=date(2026, 2, 5),
                period_end=date(2026, 3, 4),
                recorded_by_id=staff_id,
            )
        )
        for remaining, revoked, expires in (
            (5, None, now + timedelta(days=20)),  # redeemable
            (0, None, now + timedelta(days=20)),  # redeemed
            (3, now, now + timedelta(days=20)),  # revoked
            (2, None, now - timedelta(days=1)),  # expired
        ):
            db.session.add(
                CreditGrant(
                    client_id=client_id,
                    source="issued",
                    quantity=5,
                    remaining=remaining,
                    expires_at=expires,
                    revoked_at=revoked,
                    reason="Goodwill",
                    created_by_id=staff_id,
                )
            )
        db.session.commit()


def test_the_account_tab_is_registered_after_sessions(app):
    names = [tab.name for tab in all_tabs()]
    assert names.index("sessions") < names.index("account")
    tab = next(tab for tab in all_tabs() if tab.name == "account")
    assert tab.label == "Account" and tab.endpoint == "accounts.account_tab"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_account_tab(app, login, client_factory, role):
    browser = login(role)
    ada = client_factory(first_name="Ada")
    _account_history(app, ada, browser.staff.id)
    _ledger_rows(app, ada, 3, actor_id=browser.staff.id)
    page = browser.get(f"/clients/{ada}/account")
    assert page.status_code == 200
    text = page.text
    assert "<html" in text and 'id="tab-account"' in text
    assert re.search(r'id="tab-account"[^>]*aria-selected="true"', text)
    for expected in (
        "Monthly Unlimited",
        "10 classes",
        "Cancelled",
        "Moved away",
        "Next payment due",
        "Overdue",
        "Card at the terminal",
        "Redeemable",
        "Redeemed",
        "Revoked",
        "Expired",
        "Entry 2",
        browser.staff.name,
        "Add pass",
        "credits redeemable now",
    ):
        assert expected in text, expected
    fragment = browser.get(f"/clients/{ada}/account", hx=True)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="profile-tab"' in fragment.text


def test_the_ledger_is_newest_first_with_who_and_why(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _ledger_rows(app, ada, 3, actor_id=owner.staff.id)
    text = owner.get(f"/clients/{ada}/account").text
    assert text.index("Entry 2") < text.index("Entry 1") < text.index("Entry 0")
    assert "Olivia Owner" in text


def test_an_empty_account_says_so(owner, client_factory):
    ada = client_factory(first_name="Ada")
    text = owner.get(f"/clients/{ada}/account").text
    for expected in (
        "No memberships or packs yet.",
        "No credits granted yet.",
        "No changes of credits yet.",
        "No payments recorded yet.",
        "No pass in use.",
    ):
        assert expected in text


def test_the_tab_costs_the_same_for_2_or_2000_ledger_rows(
    app, owner, client_factory, count_queries
):
    few, many = client_factory(first_name="Few"), client_factory(first_name="Many")
    for client_id, count in ((few, 2), (many, 2000)):
        _account_history(app, client_id, owner.staff.id)
        _ledger_rows(app, client_id, count, actor_id=owner.staff.id)
        owner.post(f"/clients/{client_id}/passes", {"number": f"COST-{count}"})
    tab = next(tab for tab in all_tabs() if tab.name == "account")
    costs = [measure(count_queries, owner, f"/clients/{c}/account", hx=True) for c in (few, many)]
    assert costs[0] == costs[1] == 2 + tab.queries
    many_page = owner.get(f"/clients/{many}/account", hx=True).text
    assert many_page.count('class="ledger-entry') == queries.LEDGER_PAGE_SIZE
    cursor = re.search(r"/account/ledger\?before=([0-9-]+)", many_page)[1]
    # The next page: the session and one page of entries, at any depth.
    deep = measure(count_queries, owner, f"/clients/{many}/account/ledger?before={cursor}", True)
    assert deep == 2


def test_keyset_pages_neither_repeat_nor_skip_entries_that_share_a_moment(
    app, owner, client_factory
):
    ada = client_factory(first_name="Ada")
    _ledger_rows(app, ada, 60, same_moment=True)
    seen = []
    page = owner.get(f"/clients/{ada}/account", hx=True).text
    while True:
        seen += re.findall(r"Entry (\d+)</td>", page)
        match = re.search(r'hx-get="([^"]*/account/ledger\?before=[0-9-]+)"', page)
        if not match:
            break
        page = owner.get(match[1].replace("&amp;", "&"), hx=True).text
        assert "<html" not in page and "<tbody" not in page
    assert sorted(map(int, seen)) == list(range(60))
    assert len(seen) == len(set(seen)) == 60


def test_without_javascript_the_next_page_is_the_tab_from_there(app, owner, client_factory):
    ada = client_factory(first_name="Ada")
    _ledger_rows(app, ada, 30)
    first = owner.get(f"/clients/{ada}/account").text
    cursor = re.search(r"/account/ledger\?before=([0-9-]+)", first)[1]
    page = owner.get(f"/clients/{ada}/account/ledger?before={cursor}")
    assert page.status_code == 200 and "<html" in page.text
    assert "Entry 4<" in page.text and "Entry 29<" not in page.text


@pytest.mark.parametrize("cursor", ["junk", "1-x", "9" * 30 + "-1", "1-" + "9" * 30, "٣-1"])
def test_a_bad_cursor_is_400(owner, client_factory, cursor):
    ada = client_factory(first_name="Ada")
    assert owner.get(f"/clients/{ada}/account/ledger?before={cursor}", hx=True).status_code == 400


@pytest.mark.parametrize("odd", ["%C2%B2", "%D9%A3", "-1", str(10**20), "999999"])
def test_unknown_or_odd_client_ids_are_404(owner, odd):
    assert owner.get(f"/clients/{odd}/account").status_code == 404
    assert owner.get(f"/clients/{odd}/account/ledger", hx=True).status_code == 404


def test_a_trashed_clients_account_is_read_only(app, owner, client_factory):
    from app.clients import privacy_ops
    from app.models import Client

    ada = client_factory(first_name="Ada")
    owner.post(f"/clients/{ada}/passes", {"number": "READ-0001"})
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, ada), owner.staff)
    page = owner.get(f"/clients/{ada}/account")
    assert page.status_code == 200 and "READ-0001" in page.text
    assert "Add pass" not in page.text and "Replace pass" not in page.text


def test_grant_states():
    now = BASE
    later, earlier = now + timedelta(days=1), now - timedelta(days=1)

    def grant(remaining, expires, revoked=None, expired=None):
        return CreditGrant(
            quantity=5,
            remaining=remaining,
            expires_at=expires,
            revoked_at=revoked,
            expired_at=expired,
        )

    assert queries.grant_state(grant(2, later), now) == "redeemable"
    assert queries.grant_state(grant(0, later), now) == "redeemed"
    assert queries.grant_state(grant(2, later, revoked=now), now) == "revoked"
    assert queries.grant_state(grant(2, earlier), now) == "expired"
    assert queries.grant_state(grant(2, later, expired=now), now) == "expired"
    assert queries.grant_state(grant(0, earlier), now) == "redeemed"


def _grants(app, client_id, count, same_moment=False):
    """`count` grants of one credit each, one a minute (or all at one moment: ties)."""
    with app.app_context():
        db.session.execute(
            insert(CreditGrant),
            [
                {
                    "client_id": client_id,
                    "source": "issued",
                    "quantity": 1,
                    "remaining": 1,
                    "reason": f"Grant {index}",
                    "expires_at": BASE + timedelta(days=400),
                    "created_at": BASE if same_moment else BASE + timedelta(minutes=index),
                }
                for index in range(count)
            ],
        )
        db.session.commit()


@pytest.mark.parametrize("same_moment", [False, True])
def test_every_grant_is_listed_a_page_at_a_time(
    app, owner, client_factory, count_queries, same_moment
):
    ada = client_factory(first_name="Ada")
    _grants(app, ada, 45, same_moment=same_moment)
    page = owner.get(f"/clients/{ada}/account", hx=True).text
    assert page.count('class="account-grant ') == queries.GRANTS_PAGE_SIZE
    seen = []
    while True:
        seen += re.findall(r"Grant (\d+)</span>", page)
        match = re.search(r'hx-get="([^"]*/account/grants\?before=[0-9-]+)"', page)
        if not match:
            break
        url = match[1].replace("&amp;", "&")
        # The next page: the session and one page of grants, at any depth.
        assert measure(count_queries, owner, url, hx=True) == 2
        page = owner.get(url, hx=True).text
        assert "<html" not in page and "<tbody" not in page
    assert sorted(map(int, seen)) == list(range(45)) and len(seen) == len(set(seen))
    # Without javascript the link is the tab from that point.
    first = owner.get(f"/clients/{ada}/account").text
    cursor = re.search(r"/account/grants\?before=([0-9-]+)", first)[1]
    plain = owner.get(f"/clients/{ada}/account/grants?before={cursor}")
    assert plain.status_code == 200 and "<html" in plain.text
    assert plain.text.count('class="account-grant ') == queries.GRANTS_PAGE_SIZE


@pytest.mark.parametrize("cursor", ["junk", "1-x", "9" * 30 + "-1", "٣-1"])
def test_a_bad_grants_cursor_is_400_and_an_odd_client_404(owner, client_factory, cursor):
    ada = client_factory(first_name="Ada")
    assert owner.get(f"/clients/{ada}/account/grants?before={cursor}", hx=True).status_code == 400
    for odd in ("%C2%B2", "-1", str(10**20), "999999"):
        assert owner.get(f"/clients/{odd}/account/grants", hx=True).status_code == 404
