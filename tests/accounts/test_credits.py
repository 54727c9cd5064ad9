"""Credits on the profile: Issue credits and Revoke, the Credits box, credits paying for
sessions, the credit policy, and the job granting memberships' credits each period."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.credits import ledger
from app.accounts.credits.box import credits_box
from app.accounts.credits.jobs import expire_due, grant_recurring, run_credit_jobs
from app.accounts.credits.policy import forfeits_late
from app.bookings import service_settings, status_flow
from app.core.clock import business_today
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.permissions import ROLE_PERMISSIONS, Permission
from app.models import Activity, Booking, Client, OutgoingEmail, utcnow
from app.models.accounts import (
    BookingCredit,
    CreditGrant,
    CreditLedgerEntry,
    Membership,
    MembershipPlan,
    plan_services,
)
from tests.helpers.bookings import book, future_day, practitioner, service


def _today(app):
    with app.app_context():
        return business_today()


def _issue(owner, client_id, quantity="3", days=30, reason="Goodwill", app=None, hx=True):
    last_day = (date.today() + timedelta(days=days)).isoformat()
    return owner.post(
        f"/clients/{client_id}/credits/issue",
        {"quantity": quantity, "expires_on": last_day, "reason": reason},
        hx=hx,
    )


def _grants(app, client_id):
    with app.app_context():
        return db.session.scalars(
            select(CreditGrant).where(CreditGrant.client_id == client_id).order_by(CreditGrant.id)
        ).all()


def _ledger(app, client_id):
    with app.app_context():
        return [
            (row.kind, row.amount, row.balance_after)
            for row in db.session.scalars(
                select(CreditLedgerEntry)
                .where(CreditLedgerEntry.client_id == client_id)
                .order_by(CreditLedgerEntry.id)
            )
        ]


def _verbs(app, client_id):
    with app.app_context():
        return db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
        ).all()


def _give(app, client_id, quantity, last_day=None, source="pack", membership_id=None):
    with app.app_context(), write_transaction():
        client = db.session.get(Client, client_id)
        grant = ledger.grant_credits(
            client,
            quantity,
            ledger.credit_expiry_instant(last_day or business_today() + timedelta(days=60)),
            source,
            None,
            membership_id=membership_id,
        )
        return grant.id


# --- issuing and revoking -------------------------------------------------------------


def test_issue_credits_shows_them_in_the_box_and_on_the_timeline_only(app, owner, client_factory):
    client_id = client_factory(email="ada@example.com")
    page = owner.get(f"/clients/{client_id}")
    assert "Redeemable now: 0" in page.text and "Issue credits" in page.text
    form = owner.get(f"/clients/{client_id}/credits/issue", hx=True)
    assert form.status_code == 200 and 'name="expires_on"' in form.text
    assert "<html" not in form.text and 'id="credits-box"' in form.text
    answer = _issue(owner, client_id, "3")
    assert answer.status_code == 200, answer.text
    assert "Redeemable now: 3" in answer.text and "Revoke" in answer.text
    assert "Goodwill" in answer.text
    assert _ledger(app, client_id) == [("adjust", 3, 3)]
    assert _verbs(app, client_id)[-1] == "credits.issued"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0
        assert ledger.balance_of(client_id) == 3
    # Without htmx: a redirect to the profile.
    plain = _issue(owner, client_id, "1", hx=False)
    assert plain.status_code == 303
    assert "Redeemable now: 4" in owner.get(f"/clients/{client_id}").text


@pytest.mark.parametrize(
    ("quantity", "days", "reason", "field", "message"),
    [
        ("0", 30, "Goodwill", "quantity", "1 or more"),
        ("-2", 30, "Goodwill", "quantity", "1 or more"),
        ("٣", 30, "Goodwill", "quantity", "1 or more"),
        ("1.5", 30, "Goodwill", "quantity", "1 or more"),
        ("1001", 30, "Goodwill", "quantity", "at most 1000"),
        ("", 30, "Goodwill", "quantity", "1 or more"),
        ("2", -3, "Goodwill", "expires_on", "would be expired"),
        ("2", 30, "  ", "reason", "Say why"),
        ("2", 30, "x" * 201, "reason", "at most 200"),
    ],
)
def test_bad_input_is_refused_beside_the_field(
    app, owner, client_factory, quantity, days, reason, field, message
):
    client_id = client_factory()
    answer = _issue(owner, client_id, quantity, days, reason)
    assert answer.status_code == 422
    assert message in answer.text
    ids = {"quantity": "quantity", "expires_on": "expires", "reason": "reason"}
    assert f'id="credits-{ids[field]}-error"' in answer.text
    assert f'value="{quantity}"' in answer.text  # nothing typed is lost
    assert _grants(app, client_id) == []


def test_a_missing_or_unreal_expiry_is_refused(app, owner, client_factory):
    client_id = client_factory()
    for typed, message in (("", "Choose the last day"), ("2026-02-30", "real date")):
        answer = owner.post(
            f"/clients/{client_id}/credits/issue",
            {"quantity": "2", "expires_on": typed, "reason": "Goodwill"},
            hx=True,
        )
        assert answer.status_code == 422 and message in answer.text
        assert 'value="Goodwill"' in answer.text
    assert _grants(app, client_id) == []


def test_today_is_the_earliest_expiry_and_lasts_to_midnight(app, owner, client_factory):
    client_id = client_factory()
    today = _today(app)
    answer = owner.post(
        f"/clients/{client_id}/credits/issue",
        {"quantity": "1", "expires_on": today.isoformat(), "reason": "Today only"},
        hx=True,
    )
    assert answer.status_code == 200
    [grant] = _grants(app, client_id)
    with app.app_context():
        assert grant.expires_at == ledger.credit_expiry_instant(today)


def test_revoke_takes_what_is_left_and_refuses_a_second_time(app, owner, client_factory):
    client_id = client_factory()
    _issue(owner, client_id, "4")
    [grant] = _grants(app, client_id)
    url = f"/clients/{client_id}/credits/{grant.id}/revoke"
    form = owner.get(url, hx=True)
    assert form.status_code == 200 and 'name="reason"' in form.text
    missing = owner.post(url, {"reason": " "}, hx=True)
    assert missing.status_code == 422 and "Say why the credits are revoked." in missing.text
    done = owner.post(url, {"reason": "Given by mistake"}, hx=True)
    assert done.status_code == 200 and "Redeemable now: 0" in done.text
    assert "Revoked</dt><dd>4" in done.text
    again = owner.post(url, {"reason": "Once more"}, hx=True)
    assert again.status_code == 422
    assert "no credits left to revoke" in again.text and 'value="Once more"' in again.text
    assert _ledger(app, client_id) == [("adjust", 4, 4), ("revoke", -4, 0)]
    assert _verbs(app, client_id)[-1] == "credits.revoked"


def test_a_redeemed_or_expired_grant_cannot_be_revoked(app, owner, client_factory):
    client_id = client_factory()
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    grant_id = _give(app, client_id, 1)
    book(app, owner.staff, client_id, massage, sam.id, future_day())
    answer = owner.post(
        f"/clients/{client_id}/credits/{grant_id}/revoke", {"reason": "Try"}, hx=True
    )
    assert answer.status_code == 422 and "no credits left to revoke" in answer.text
    expired_id = _give(app, client_id, 2, last_day=_today(app))
    with app.app_context():
        expire_due(utcnow() + timedelta(days=2))
    answer = owner.post(
        f"/clients/{client_id}/credits/{expired_id}/revoke", {"reason": "Try"}, hx=True
    )
    assert answer.status_code == 422 and "no credits left to revoke" in answer.text


def test_the_expiry_cannot_be_edited(app, owner, client_factory):
    client_id = client_factory()
    _issue(owner, client_id, "2", days=10)
    [grant] = _grants(app, client_id)
    later = (date.today() + timedelta(days=400)).isoformat()
    for url in (
        f"/clients/{client_id}/credits/{grant.id}/revoke",
        f"/clients/{client_id}/credits/{grant.id}",
        f"/clients/{client_id}/credits/{grant.id}/edit",
        f"/clients/{client_id}/credits",
    ):
        owner.post(url, {"expires_on": later, "reason": ""}, hx=True)
    [after] = _grants(app, client_id)
    assert after.expires_at == grant.expires_at and after.remaining == 2


@pytest.mark.parametrize("role", ["owner", "manager", "front_desk", "practitioner"])
def test_who_may_adjust_credits(app, login, client_factory, role):
    staff = login(role)
    client_id = client_factory()
    grant_id = _give(app, client_id, 2)
    allowed = Permission.ADJUST_CREDITS in ROLE_PERMISSIONS[role]
    page = staff.get(f"/clients/{client_id}")
    assert page.status_code == 200 and "Redeemable now: 2" in page.text
    assert ("Issue credits" in page.text) is allowed
    issued = _issue(staff, client_id, "1")
    revoked = staff.post(
        f"/clients/{client_id}/credits/{grant_id}/revoke", {"reason": "Why"}, hx=True
    )
    if allowed:
        assert (issued.status_code, revoked.status_code) == (200, 200)
    else:
        assert (issued.status_code, revoked.status_code) == (403, 403)
        assert len(_grants(app, client_id)) == 1 and _grants(app, client_id)[0].remaining == 2


@pytest.mark.parametrize("odd", ["²", "٣", "-1", str(10**20), "0", "abc"])
def test_odd_ids_are_not_found(app, owner, client_factory, odd):
    client_id = client_factory()
    grant_id = _give(app, client_id, 1)
    for url in (
        f"/clients/{odd}/credits",
        f"/clients/{odd}/credits/issue",
        f"/clients/{client_id}/credits/{odd}/revoke",
        f"/clients/{odd}/credits/{grant_id}/revoke",
    ):
        assert owner.get(url, hx=True).status_code == 404, url
        if url.endswith(("issue", "revoke")):
            assert owner.post(url, {"reason": "x"}, hx=True).status_code == 404, url


def test_another_clients_grant_is_not_found(app, owner, client_factory):
    mine, theirs = client_factory(), client_factory(first_name="Other")
    grant_id = _give(app, theirs, 1)
    answer = owner.post(f"/clients/{mine}/credits/{grant_id}/revoke", {"reason": "x"}, hx=True)
    assert answer.status_code == 404
    assert _grants(app, theirs)[0].remaining == 1


@pytest.mark.parametrize("state", ["trashed", "erased", "merged"])
def test_a_client_gone_from_the_lists_takes_no_adjustment(app, owner, client_factory, state):
    client_id = client_factory()
    grant_id = _give(app, client_id, 2)
    survivor = client_factory(first_name="Survivor")
    with app.app_context(), write_transaction():
        client = db.session.get(Client, client_id)
        client.deleted_at = utcnow()
        if state == "erased":
            client.erased_at = utcnow()
        if state == "merged":
            client.merged_into_id = survivor
    assert _issue(owner, client_id, "1").status_code == 404
    answer = owner.post(f"/clients/{client_id}/credits/{grant_id}/revoke", {"reason": "x"}, hx=True)
    assert answer.status_code == 404
    assert [g.remaining for g in _grants(app, client_id)] == [2]


def test_the_box_escapes_the_reason(app, owner, client_factory):
    client_id = client_factory()
    _issue(owner, client_id, "1", reason="<script>alert(1)</script>")
    page = owner.get(f"/clients/{client_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_the_box_costs_one_query_however_many_grants(app, owner, client_factory, count_queries):
    few, many = client_factory(), client_factory(first_name="Many")
    _give(app, few, 1)
    for _ in range(60):
        _give(app, many, 1)
    costs = []
    for client_id in (few, many):
        with count_queries() as queries:
            page = owner.get(f"/clients/{client_id}/credits", hx=True)
        assert page.status_code == 200
        costs.append(len(queries))
    assert costs[0] == costs[1]
    assert "Redeemable now: 60" in owner.get(f"/clients/{many}/credits", hx=True).text
    with app.app_context(), count_queries() as queries:
        credits_box(many)
    assert len(queries) == 1
    # A client with nothing redeemable still gets the ledger's totals from that one row.
    empty = client_factory(first_name="Empty")
    with app.app_context(), count_queries() as queries:
        box = credits_box(empty)
    assert len(queries) == 1
    assert (box["redeemable"], box["grants"], box["redeemed"], box["expired"]) == (0, [], 0, 0)


def test_the_box_counts_redeemed_revoked_and_expired(app, owner, client_factory):
    client_id = client_factory()
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    _give(app, client_id, 3)
    book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    _give(app, client_id, 2, last_day=_today(app))
    with app.app_context():
        expire_due(utcnow() + timedelta(days=2))
    text = owner.get(f"/clients/{client_id}/credits", hx=True).text
    assert "Redeemable now: 2" in text
    assert "Redeemed</dt><dd>1" in text and "Expired</dt><dd>2" in text
    assert "Revoked</dt><dd>0" in text


# --- credits paying for sessions ------------------------------------------------------


@pytest.fixture
def studio(app, owner):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    return sam, massage


def _booking_credit(app, booking_id):
    with app.app_context():
        credit = db.session.get(BookingCredit, booking_id)
        return (credit.status, credit.grant_id) if credit else None


def test_booking_redeems_the_credit_that_expires_first(app, owner, client_factory, studio):
    sam, massage = studio
    client_id = client_factory()
    later = _give(app, client_id, 1, last_day=_today(app) + timedelta(days=90))
    sooner = _give(app, client_id, 1, last_day=_today(app) + timedelta(days=20))
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    assert _booking_credit(app, booking_id) == ("redeemed", sooner)
    assert _ledger(app, client_id)[-1] == ("redeem", -1, 1)
    with app.app_context():
        assert (
            db.session.scalar(
                select(CreditLedgerEntry.booking_id).order_by(CreditLedgerEntry.id.desc()).limit(1)
            )
            == booking_id
        )
    assert "credits.redeemed" in _verbs(app, client_id)
    assert later


def test_cancelling_in_time_gives_the_credit_back(app, owner, client_factory, studio):
    sam, massage = studio
    client_id = client_factory()
    grant_id = _give(app, client_id, 1)
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(10), "10:00")
    owner.post(f"/sessions/{booking_id}", {"action": "cancel", "reason": "Flu"}, hx=True)
    assert _booking_credit(app, booking_id) == ("returned", grant_id)
    assert _ledger(app, client_id)[-2:] == [("redeem", -1, 0), ("return", 1, 1)]
    assert "Redeemable now: 1" in owner.get(f"/clients/{client_id}").text


@pytest.mark.parametrize("forfeit", [True, False])
def test_a_late_cancellation_follows_the_policy(app, owner, client_factory, studio, forfeit):
    from app.bookings import settings as booking_settings

    sam, massage = studio
    client_id = client_factory()
    _give(app, client_id, 1)
    with app.app_context():
        booking_settings.save({"late_cancel_hours": 24 * 30})
    if not forfeit:
        manager = owner
        answer = manager.post("/settings/plans/credit-policy", {"forfeit": "0"})
        assert answer.status_code == 303
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(3), "10:00")
    owner.post(f"/sessions/{booking_id}", {"action": "cancel", "reason": "Late"}, hx=True)
    with app.app_context():
        assert db.session.get(Booking, booking_id).late_cancellation
        assert ledger.balance_of(client_id) == (0 if forfeit else 1)
    expected = "forfeited" if forfeit else "returned"
    assert _booking_credit(app, booking_id)[0] == expected
    assert f"credits.{expected}" in _verbs(app, client_id)


def test_a_no_show_forfeits_the_credit(app, owner, client_factory, studio):
    sam, massage = studio
    client_id = client_factory()
    _give(app, client_id, 2)
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    with app.app_context():
        with write_transaction():
            booking = db.session.get(Booking, booking_id)
            booking.starts_at -= timedelta(days=8)
            booking.ends_at -= timedelta(days=8)
        status_flow.change_status(booking_id, "no_show", owner.staff)
    assert _booking_credit(app, booking_id)[0] == "forfeited"
    with app.app_context():
        assert ledger.balance_of(client_id) == 1


def test_no_credit_left_books_as_unpaid_and_says_so(app, owner, client_factory, studio):
    sam, massage = studio
    client_id = client_factory()
    grant_id = _give(app, client_id, 1)
    book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    # The second session finds no credit: booked as unpaid, and staff are told.
    answer = owner.post(
        f"/clients/{client_id}/sessions/new",
        {
            "service": str(massage),
            "practitioner": str(sam.id),
            "day": future_day().isoformat(),
            "time": "12:00",
        },
        hx=True,
    )
    assert answer.status_code == 200, answer.text
    assert "No credit left: booked as unpaid." in answer.text
    with app.app_context():
        second = db.session.scalars(
            select(Booking.id).where(Booking.client_id == client_id).order_by(Booking.id.desc())
        ).first()
    assert _booking_credit(app, second) == ("unpaid", None)
    assert _grants(app, client_id)[0].id == grant_id


def test_a_client_without_account_history_books_as_before(app, owner, client_factory, studio):
    sam, massage = studio
    client_id = client_factory()
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    assert _booking_credit(app, booking_id) is None
    assert _ledger(app, client_id) == []


def test_a_plans_credits_pay_only_for_its_services(app, owner, client_factory, studio):
    sam, massage = studio
    yoga = service(app, owner.staff, name="Yoga")
    client_id = client_factory()
    with app.app_context(), write_transaction():
        plan = MembershipPlan(name="Yoga pack", kind="pack", price_minor=5000, credits=5)
        db.session.add(plan)
        db.session.flush()
        db.session.execute(plan_services.insert().values(plan_id=plan.id, service_id=yoga))
        membership = Membership(
            client_id=client_id,
            plan_id=plan.id,
            kind="pack",
            price_minor=5000,
            starts_on=business_today(),
        )
        db.session.add(membership)
        db.session.flush()
        membership_id = membership.id
    _give(app, client_id, 5, membership_id=membership_id)
    massage_booking = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    yoga_booking = book(app, owner.staff, client_id, yoga, sam.id, future_day(), "12:00")
    assert _booking_credit(app, massage_booking) == ("unpaid", None)
    assert _booking_credit(app, yoga_booking)[0] == "redeemed"


def test_a_waitlisted_booking_takes_no_credit_until_moved_in(app, owner, client_factory, studio):
    sam, _massage = studio
    yoga = service(app, owner.staff, name="Yoga class", capacity=2)
    day = future_day(10)
    with app.app_context():
        service_settings.add_class_time(yoga, day.weekday(), time(18, 0), sam.id, owner.staff)
    first, waiting = client_factory(first_name="First"), client_factory(first_name="Waiting")
    _give(app, first, 1)
    _give(app, waiting, 1)
    taken = book(app, owner.staff, first, yoga, None, day, "18:00")
    book(app, owner.staff, client_factory(first_name="Other"), yoga, None, day, "18:00")
    queued = book(app, owner.staff, waiting, yoga, None, day, "18:00", waitlist=True)
    with app.app_context():
        assert db.session.get(Booking, queued).status == "waitlisted"
    assert _booking_credit(app, queued) is None
    owner.post(f"/sessions/{taken}", {"action": "cancel", "reason": "Away"}, hx=True)
    with app.app_context():
        assert db.session.get(Booking, queued).status in ("confirmed", "pending")
    assert _booking_credit(app, queued)[0] == "redeemed"
    assert _booking_credit(app, taken)[0] == "returned"


# --- the policy -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "front_desk", "practitioner"])
def test_the_policy_is_a_setting(app, login, role):
    staff = login(role)
    answer = staff.post("/settings/plans/credit-policy", {"forfeit": "0"})
    allowed = Permission.MANAGE_SETTINGS in ROLE_PERMISSIONS[role]
    assert answer.status_code == (303 if allowed else 403)
    with app.app_context():
        assert forfeits_late() is (not allowed)


# --- recurring credits ----------------------------------------------------------------


def _membership(app, client_id, starts_on, period="month", credits_each=4, expiry_days=None):
    with app.app_context(), write_transaction():
        plan = MembershipPlan(
            name="Gold",
            kind="membership",
            price_minor=4500,
            billing_period=period,
            credits=credits_each,
            credit_expiry_days=expiry_days,
        )
        db.session.add(plan)
        db.session.flush()
        membership = Membership(
            client_id=client_id,
            plan_id=plan.id,
            kind="membership",
            price_minor=4500,
            starts_on=starts_on,
            status="active",
        )
        db.session.add(membership)
        db.session.flush()
        return membership.id


def test_recurring_credits_are_granted_once_per_period(app, client_factory):
    client_id = client_factory()
    membership_id = _membership(app, client_id, date(2026, 1, 31))
    now = datetime(2026, 3, 5, 12, tzinfo=UTC)
    with app.app_context():
        assert grant_recurring(now) == 1  # January's credits had already expired
        assert grant_recurring(now) == 0
    grants = _grants(app, client_id)
    assert [(g.period_start, g.quantity, g.membership_id) for g in grants] == [
        (date(2026, 2, 28), 4, membership_id)
    ]
    with app.app_context():
        # The period's last day is 30 March (31 March starts the next one).
        assert grants[0].expires_at == ledger.credit_expiry_instant(date(2026, 3, 30))
        later = datetime(2026, 4, 1, 12, tzinfo=UTC)
        assert run_credit_jobs(later) == (1, 4)
        assert ledger.balance_of(client_id) == 4


def test_recurring_credits_with_their_own_expiry(app, client_factory):
    client_id = client_factory()
    _membership(app, client_id, date(2026, 3, 2), period="week", credits_each=2, expiry_days=3)
    now = datetime(2026, 3, 10, 9, tzinfo=UTC)
    with app.app_context():
        assert grant_recurring(now) == 1  # the week of 2 March expired on the 4th
    [grant] = _grants(app, client_id)
    with app.app_context():
        assert grant.period_start == date(2026, 3, 9)
        assert grant.expires_at == ledger.credit_expiry_instant(date(2026, 3, 11))


def test_paused_and_cancelled_memberships_get_no_credits(app, client_factory):
    client_id = client_factory()
    membership_id = _membership(app, client_id, date(2026, 3, 1))
    with app.app_context(), write_transaction():
        db.session.get(Membership, membership_id).status = "paused"
    with app.app_context():
        assert grant_recurring(datetime(2026, 3, 5, tzinfo=UTC)) == 0


def test_two_runs_at_once_grant_each_period_once(app, client_factory):
    client_ids = [client_factory(first_name=f"Member{n}") for n in range(6)]
    for client_id in client_ids:
        _membership(app, client_id, date(2026, 2, 20))
    now = datetime(2026, 3, 5, 12, tzinfo=UTC)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                results.append(grant_recurring(now))
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 6  # the period from 20 February, once per member
    for client_id in client_ids:
        assert len(_grants(app, client_id)) == 1


def test_the_policy_is_on_the_plans_page_and_saved_in_place(app, owner):
    page = owner.get("/settings/plans")
    assert "Late cancellations and no-shows use up the credit" in page.text
    assert (
        'id="credit-policy-forfeit" name="forfeit" type="checkbox" value="1" checked' in page.text
    )
    answer = owner.post("/settings/plans/credit-policy", {"forfeit": "0"}, hx=True)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert 'value="1" checked' not in answer.text
    with app.app_context():
        assert forfeits_late() is False
    owner.post("/settings/plans/credit-policy", {"forfeit": ["0", "1"]}, hx=True)
    with app.app_context():
        assert forfeits_late() is True


def test_adjustments_read_on_the_timeline_under_account(app, owner, client_factory):
    client_id = client_factory()
    _issue(owner, client_id, "2", reason="Birthday")
    [grant] = _grants(app, client_id)
    owner.post(f"/clients/{client_id}/credits/{grant.id}/revoke", {"reason": "Oops"}, hx=True)
    page = owner.get(f"/clients/{client_id}/activity/timeline?kind=account", hx=True)
    assert page.status_code == 200
    for text in ("Credits issued", "Credits revoked", "Birthday", "Oops", "Expires after"):
        assert text in page.text, text


def test_the_hourly_credit_task_is_on_the_queue_and_runs(app, client_factory):
    task = app.extensions["clientele.task.hourly_credits"]
    assert task.name == "hourly_credits"
    client_id = client_factory()
    _membership(app, client_id, _today(app) - timedelta(days=2), period="week")
    task.call_local()
    task.call_local()
    assert [g.quantity for g in _grants(app, client_id)] == [4]


def test_issued_credits_for_chosen_services_pay_only_for_those(app, owner, client_factory, studio):
    sam, massage = studio
    yoga = service(app, owner.staff, name="Yoga")
    client_id = client_factory()
    form = owner.get(f"/clients/{client_id}/credits/issue", hx=True).text
    assert f'name="services" value="{yoga}"' in form and "every service" in form
    last_day = (date.today() + timedelta(days=30)).isoformat()
    values = {"quantity": "2", "expires_on": last_day, "reason": "Yoga taster"}
    odd = owner.post(
        f"/clients/{client_id}/credits/issue", {**values, "services": ["99999"]}, hx=True
    )
    assert odd.status_code == 422 and "Choose services from the list." in odd.text
    assert 'value="Yoga taster"' in odd.text
    answer = owner.post(
        f"/clients/{client_id}/credits/issue", {**values, "services": [str(yoga)]}, hx=True
    )
    assert answer.status_code == 200 and "For Yoga" in answer.text
    massage_booking = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    yoga_booking = book(app, owner.staff, client_id, yoga, sam.id, future_day(), "12:00")
    assert _booking_credit(app, massage_booking) == ("unpaid", None)
    assert _booking_credit(app, yoga_booking)[0] == "redeemed"
    with app.app_context():
        from app.core.export import client_export

        exported = client_export(db.session.get(Client, client_id))
    (grant,) = exported["credits"]["grants"]
    assert grant["services"] == ["Yoga"] and grant["reason"] == "Yoga taster"
