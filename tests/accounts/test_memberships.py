"""Memberships and packs on the profile: selling, recording payments, pausing,
cancelling, the daily step, the card under the name and the badge in lists."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.accounts.dates import add_periods
from app.accounts.memberships import parts as membership_parts
from app.accounts.memberships.card import live_membership, membership_badges
from app.accounts.memberships.jobs import refresh_statuses
from app.accounts.memberships.ops import (
    MembershipChanged,
    MembershipRefused,
    cancel_membership,
    pause_membership,
    record_payment,
    sell_membership,
)
from app.accounts.memberships.queries import memberships_of, payments_of
from app.core.extensions import db
from app.models import Activity, Client
from app.models.accounts import (
    CreditGrant,
    Membership,
    MembershipPayment,
    MembershipPlan,
)

D = date
LONDON = ZoneInfo("Europe/London")


def _today() -> date:
    """Today where the business is (the tests' business is in London)."""
    return datetime.now(LONDON).date()


# --- add_periods -----------------------------------------------------------------------------


def test_a_month_on_keeps_the_day_when_the_month_has_it():
    assert add_periods(D(2027, 1, 31), "month", 1) == D(2027, 2, 28)  # 28 days
    assert add_periods(D(2027, 1, 31), "month", 2) == D(2027, 3, 31)
    assert add_periods(D(2027, 1, 31), "month", 3) == D(2027, 4, 30)
    assert add_periods(D(2028, 1, 31), "month", 1) == D(2028, 2, 29)  # leap year
    assert add_periods(D(2028, 2, 29), "year", 1) == D(2029, 2, 28)
    assert add_periods(D(2028, 2, 29), "year", 4) == D(2032, 2, 29)
    assert add_periods(D(2027, 2, 28), "month", 1, day=31) == D(2027, 3, 31)
    assert add_periods(D(2027, 11, 15), "month", 3) == D(2028, 2, 15)
    assert add_periods(D(2027, 12, 31), "month", -1) == D(2027, 11, 30)


def test_a_week_on_is_seven_calendar_days_across_a_clock_change():
    # Europe/London goes to summer time on 28 March 2027 and back on 31 October.
    assert add_periods(D(2027, 3, 25), "week", 1) == D(2027, 4, 1)
    assert add_periods(D(2027, 10, 28), "week", 2) == D(2027, 11, 11)
    with pytest.raises(ValueError):
        add_periods(D(2027, 1, 1), "fortnight", 1)


# --- helpers ---------------------------------------------------------------------------------


def _plan(app, **values) -> int:
    fields = {
        "name": "Gold monthly",
        "kind": "membership",
        "price_minor": 4500,
        "billing_period": "month",
        "minimum_term": 3,
        "credits": 8,
        "credit_expiry_days": None,
        "active": True,
    } | values
    with app.app_context():
        plan = MembershipPlan(**fields)
        db.session.add(plan)
        db.session.commit()
        return plan.id


def _pack(app, **values) -> int:
    fields = {
        "name": "10 classes",
        "kind": "pack",
        "price_minor": 9000,
        "billing_period": None,
        "credits": 10,
        "credit_expiry_days": 90,
    }
    return _plan(app, **(fields | values))


def _membership(app, membership_id) -> Membership:
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        db.session.expunge(membership)
        return membership


def _sell(app, staff, client_id, plan_id, starts_on, today=None, **kwargs) -> int:
    with app.app_context():
        sold = sell_membership(
            client_id, plan_id, starts_on, staff, today=today or starts_on, **kwargs
        )
        return sold.id


def _events(app, client_id, prefix="membership."):
    with app.app_context():
        rows = db.session.scalars(
            select(Activity)
            .where(Activity.client_id == client_id, Activity.verb.startswith(prefix))
            .order_by(Activity.id)
        ).all()
        return [(row.verb, row.changes) for row in rows]


@pytest.fixture
def staff(owner):
    return owner.staff


# --- selling ---------------------------------------------------------------------------------


def test_selling_a_membership_from_the_profile(app, owner, amara):
    gold = _plan(app)
    form = owner.get(f"/clients/{amara}/memberships/new")
    assert form.status_code == 200
    assert '<h2 id="membership-form-heading">New membership</h2>' in form.text
    assert (
        '<optgroup label="Memberships">' in form.text
        and "Gold monthly — £45.00 a month" in form.text
    )
    assert f'value="{_today().isoformat()}"' in form.text
    fragment = owner.get(f"/clients/{amara}/memberships/new", hx=True)
    assert "<html" not in fragment.text and 'id="profile-tab"' in fragment.text
    today = _today()
    answer = owner.post(
        f"/clients/{amara}/memberships/new", {"plan": str(gold), "starts_on": today.isoformat()}
    )
    assert answer.status_code == 303 and answer.location.endswith(f"/clients/{amara}")
    with app.app_context():
        membership = db.session.scalar(select(Membership))
        assert (membership.status, membership.kind, membership.price_minor) == (
            "active",
            "membership",
            4500,
        )
        assert membership.starts_on == today and membership.next_payment_due == today
        assert db.session.scalar(select(MembershipPayment)) is None
    ((verb, changes),) = _events(app, amara)
    assert verb == "membership.started" and changes["plan"] == [None, "Gold monthly"]
    profile = owner.get(f"/clients/{amara}").text
    assert (
        '<h2 id="membership-card-heading" class="membership-card-plan">Gold monthly</h2>' in profile
    )
    assert "Next payment due" in profile and ">Active<" in profile
    for name in ("Record payment", "Pause membership", "Cancel membership"):
        assert f">{name}</a>" in profile
    timeline = owner.get(f"/clients/{amara}/activity/timeline?kind=account").text
    assert "Membership started" in timeline and "Gold monthly" in timeline


def test_paid_now_records_the_first_period(app, staff, amara):
    gold = _plan(app)
    sold = _sell(app, staff, amara, gold, D(2027, 1, 31), paid_with="cash")
    membership = _membership(app, sold)
    assert membership.next_payment_due == D(2027, 2, 28)
    with app.app_context():
        payment = db.session.scalar(select(MembershipPayment))
        assert (payment.amount_minor, payment.method) == (4500, "cash")
        assert (payment.period_start, payment.period_end) == (D(2027, 1, 31), D(2027, 2, 27))
    ((_verb, changes),) = _events(app, amara)
    assert changes["payment"] == [None, "£45.00 by cash"]


def test_selling_a_pack_grants_its_credits_at_once(app, staff, amara):
    pack = _pack(app)
    sold = _sell(app, staff, amara, pack, D(2027, 3, 1), paid_with="card_terminal")
    membership = _membership(app, sold)
    assert membership.kind == "pack" and membership.ends_on == D(2027, 5, 29)
    assert membership.next_payment_due is None
    with app.app_context():
        grant = db.session.scalar(select(CreditGrant))
        assert (grant.quantity, grant.remaining, grant.source) == (10, 10, "pack")
        assert grant.membership_id == sold
        # Midnight at the end of 29 May in London (summer time): 23:00 UTC.
        assert grant.expires_at == datetime(2027, 5, 29, 23, 0, tzinfo=UTC)
    verbs = [verb for verb, _ in _events(app, amara, "")]
    assert "membership.pack_sold" in verbs and "credits.granted" in verbs


def test_a_sale_refuses_what_it_cannot_do(app, owner, amara):
    gold = _plan(app)
    retired = _plan(app, name="Old plan", active=False)
    cases = [
        ({"plan": "", "starts_on": "2027-01-01"}, "plan", "Choose one of the plans offered."),
        ({"plan": str(retired), "starts_on": "2027-01-01"}, "plan", "Choose one of the plans"),
        ({"plan": "²", "starts_on": "2027-01-01"}, "plan", "Choose one of the plans"),
        ({"plan": str(gold), "starts_on": "2027-02-30"}, "starts_on", "Enter a real date"),
        ({"plan": str(gold), "starts_on": "1999-01-01"}, "starts_on", "within a year"),
        ({"plan": str(gold), "starts_on": "2027-01-01", "paid": "y"}, "method", "Choose how"),
    ]
    for typed, field, message in cases:
        if field != "starts_on" and typed.get("starts_on") == "2027-01-01":
            typed = {**typed, "starts_on": _today().isoformat()}
        answer = owner.post(f"/clients/{amara}/memberships/new", typed)
        assert answer.status_code == 422, typed
        assert f'id="membership-{field}-error">' in answer.text and message in answer.text
        assert f'value="{typed["starts_on"]}"' in answer.text
    with app.app_context():
        assert db.session.scalar(select(Membership)) is None


# --- payments --------------------------------------------------------------------------------


def test_recording_payments_moves_the_due_date_a_period_at_a_time(app, staff, amara):
    gold = _plan(app)
    sold = _sell(app, staff, amara, gold, D(2027, 1, 31))
    dues = []
    with app.app_context():
        for _ in range(4):
            record_payment(amara, sold, "cash", 4500, staff)
            dues.append(db.session.get(Membership, sold).next_payment_due)
    assert dues == [D(2027, 2, 28), D(2027, 3, 31), D(2027, 4, 30), D(2027, 5, 31)]
    with app.app_context():
        periods = db.session.execute(
            select(MembershipPayment.period_start, MembershipPayment.period_end).order_by(
                MembershipPayment.id
            )
        ).all()
    assert [tuple(period) for period in periods] == [
        (D(2027, 1, 31), D(2027, 2, 27)),
        (D(2027, 2, 28), D(2027, 3, 30)),
        (D(2027, 3, 31), D(2027, 4, 29)),
        (D(2027, 4, 30), D(2027, 5, 30)),
    ]
    verb, changes = _events(app, amara)[2]
    assert verb == "membership.payment_recorded"
    assert changes["payment"] == [None, "£45.00 by cash"]
    assert changes["next_payment_due"] == ["28 Feb 2027", "31 Mar 2027"]


def test_a_leap_year_and_a_weekly_plan(app, staff, amara):
    gold = _plan(app)
    weekly = _plan(app, name="Weekly", billing_period="week", minimum_term=4)
    leap = _sell(app, staff, amara, gold, D(2028, 1, 31), paid_with="cash")
    week = _sell(app, staff, amara, weekly, D(2027, 3, 25), paid_with="bank_transfer")
    assert _membership(app, leap).next_payment_due == D(2028, 2, 29)
    assert _membership(app, week).next_payment_due == D(2027, 4, 1)


def test_record_payment_by_http_with_its_amount(app, owner, amara):
    gold = _plan(app)
    sold = _sell(app, owner.staff, amara, gold, _today())
    url = f"/clients/{amara}/memberships/{sold}/payment"
    form = owner.get(url).text
    assert 'value="45.00"' in form and "Card at the terminal" in form
    answer = owner.post(url, {"method": "bank_transfer", "amount": "-3", "version": "1"})
    assert answer.status_code == 422 and "The amount cannot be negative." in answer.text
    assert 'value="-3"' in answer.text
    answer = owner.post(url, {"method": "", "amount": "45", "version": "1"})
    assert answer.status_code == 422 and 'id="membership-method-error">' in answer.text
    answer = owner.post(url, {"method": "bank_transfer", "amount": "40.5", "version": "1"})
    assert answer.status_code == 303
    with app.app_context():
        payment = db.session.scalar(select(MembershipPayment))
        assert (payment.amount_minor, payment.method) == (4050, "bank_transfer")
    assert _membership(app, sold).next_payment_due == add_periods(_today(), "month", 1)


def test_a_stale_form_is_a_conflict_showing_both_versions(app, owner, amara):
    gold = _plan(app)
    sold = _sell(app, owner.staff, amara, gold, _today())
    url = f"/clients/{amara}/memberships/{sold}/payment"
    seen = owner.get(url).text
    assert 'name="version" value="1"' in seen
    with app.app_context():
        record_payment(amara, sold, "cash", 4500, owner.staff, version=1)
    answer = owner.post(
        url, {"method": "card_terminal", "amount": "45", "version": "1", "seen": "Active; due"}
    )
    assert answer.status_code == 409
    assert "changed while you had the form open" in answer.text
    assert "Active; due" in answer.text and 'name="version" value="2"' in answer.text
    assert "selected>Card at the terminal" in answer.text  # what was typed is kept
    with app.app_context():
        assert len(db.session.scalars(select(MembershipPayment)).all()) == 1
        with pytest.raises(MembershipChanged):
            pause_membership(
                amara,
                sold,
                _today(),
                _today(),
                owner.staff,
                version=1,
            )


# --- pauses ----------------------------------------------------------------------------------


def test_a_pause_moves_the_next_payment_and_resumes_by_itself(app, staff, amara):
    gold = _plan(app)
    sold = _sell(app, staff, amara, gold, D(2027, 2, 1), paid_with="cash")
    with app.app_context():
        pause_membership(amara, sold, D(2027, 3, 1), D(2027, 3, 14), staff, today=D(2027, 2, 20))
    membership = _membership(app, sold)
    assert membership.status == "active"  # planned, not begun
    assert membership.next_payment_due == D(2027, 3, 15)
    assert (membership.paused_from, membership.paused_until) == (D(2027, 3, 1), D(2027, 3, 14))
    (_, (verb, changes)) = _events(app, amara)
    assert verb == "membership.paused" and changes["pause"] == [None, "1 Mar 2027 – 14 Mar 2027"]
    with app.app_context():
        assert refresh_statuses(D(2027, 2, 28)) == 0
        assert refresh_statuses(D(2027, 3, 1)) == 1
        assert refresh_statuses(D(2027, 3, 1)) == 0  # idempotent
        assert db.session.get(Membership, sold).status == "paused"
        view = live_membership(amara, D(2027, 3, 5))
        assert view.status_text == "Paused until 14 Mar 2027" and view.tone == "info"
        assert membership_badges([amara], D(2027, 3, 5))[amara][0].text == "Paused"
        assert refresh_statuses(D(2027, 3, 14)) == 0
        assert refresh_statuses(D(2027, 3, 15)) == 1
        assert refresh_statuses(D(2027, 3, 15)) == 0
        assert db.session.get(Membership, sold).status == "active"
        # The next payment after the pause keeps the pause's day.
        record_payment(amara, sold, "cash", 4500, staff)
        assert db.session.get(Membership, sold).next_payment_due == D(2027, 4, 15)
    verbs = [verb for verb, _ in _events(app, amara)]
    assert verbs.count("membership.resumed") == 1


def test_a_pause_from_today_pauses_at_once(app, staff, amara):
    gold = _plan(app)
    sold = _sell(app, staff, amara, gold, D(2027, 2, 1))
    with app.app_context():
        pause_membership(amara, sold, D(2027, 2, 10), D(2027, 2, 16), staff, today=D(2027, 2, 10))
    membership = _membership(app, sold)
    assert membership.status == "paused" and membership.next_payment_due == D(2027, 2, 8)


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (D(2027, 3, 10), D(2027, 3, 1), "paused_until", "must end on or after its first day"),
        (D(2027, 2, 19), D(2027, 3, 1), "paused_from", "starts today or later"),
        (D(2027, 3, 10), D(2027, 3, 20), "paused_from", "overlaps the pause already planned"),
        (D(2027, 2, 25), D(2027, 3, 1), "paused_from", "overlaps"),
        (D(2027, 4, 1), D(2027, 4, 7), "paused_from", "one pause at a time"),
    ],
)
def test_a_bad_pause_is_refused(app, staff, amara, first, last, field, message):
    gold = _plan(app)
    sold = _sell(app, staff, amara, gold, D(2027, 2, 1))
    with app.app_context():
        pause_membership(amara, sold, D(2027, 3, 1), D(2027, 3, 14), staff, today=D(2027, 2, 20))
        with pytest.raises(MembershipRefused) as refused:
            pause_membership(amara, sold, first, last, staff, today=D(2027, 2, 20))
    assert refused.value.field == field and message in refused.value.message
    assert _membership(app, sold).version == 2


def test_a_bad_pause_by_http_is_explained_beside_its_field(app, owner, amara):
    gold = _plan(app)
    sold = _sell(app, owner.staff, amara, gold, _today())
    url = f"/clients/{amara}/memberships/{sold}/pause"
    assert "Paused from" in owner.get(url).text
    today = _today()
    typed = {
        "paused_from": (today + timedelta(days=10)).isoformat(),
        "paused_until": (today + timedelta(days=3)).isoformat(),
        "version": "1",
    }
    answer = owner.post(url, typed)
    assert answer.status_code == 422
    assert 'id="membership-paused_until-error">' in answer.text
    assert f'value="{typed["paused_from"]}"' in answer.text
    answer = owner.post(url, {**typed, "paused_until": "soon"})
    assert answer.status_code == 422 and "Enter a real date" in answer.text
    answer = owner.post(url, {**typed, "paused_until": (today + timedelta(days=12)).isoformat()})
    assert answer.status_code == 303
    assert _membership(app, sold).paused_from == today + timedelta(days=10)


# --- cancelling and the end ------------------------------------------------------------------


def test_a_cancellation_honours_the_minimum_term(app, staff, amara):
    gold = _plan(app)  # minimum 3 months
    sold = _sell(app, staff, amara, gold, D(2027, 3, 1), paid_with="cash")
    with app.app_context():
        cancel_membership(amara, sold, "Moving away", staff, today=D(2027, 3, 20))
    membership = _membership(app, sold)
    assert (membership.status, membership.ends_on) == ("cancelled", D(2027, 5, 31))
    assert membership.cancel_reason == "Moving away"
    verb, changes = _events(app, amara)[-1]
    assert verb == "membership.cancelled" and changes["membership_ends"] == [None, "31 May 2027"]
    with app.app_context():
        view = live_membership(amara, D(2027, 4, 1))
        assert view.status_text == "Cancelled, ends 31 May 2027"
        assert not view.may_pause and not view.may_cancel
        assert refresh_statuses(D(2027, 5, 31)) == 0
        assert live_membership(amara, D(2027, 5, 31)) is not None
        assert refresh_statuses(D(2027, 6, 1)) == 1
        assert refresh_statuses(D(2027, 6, 1)) == 0
        assert db.session.get(Membership, sold).status == "expired"
        assert live_membership(amara, D(2027, 6, 1)) is None
        with pytest.raises(MembershipRefused):
            cancel_membership(amara, sold, None, staff, today=D(2027, 6, 2))
    assert _events(app, amara)[-1][0] == "membership.expired"


def test_a_cancellation_after_the_minimum_term_ends_today(app, staff, amara):
    gold = _plan(app, minimum_term=1)
    sold = _sell(app, staff, amara, gold, D(2027, 1, 10))
    with app.app_context():
        cancel_membership(amara, sold, None, staff, today=D(2027, 4, 2))
    assert _membership(app, sold).ends_on == D(2027, 4, 2)


def test_cancel_by_http(app, owner, amara):
    gold = _plan(app)
    sold = _sell(app, owner.staff, amara, gold, _today())
    url = f"/clients/{amara}/memberships/{sold}/cancel"
    assert "Reason (optional)" in owner.get(url).text
    answer = owner.post(url, {"reason": "x" * 201, "version": "1"})
    assert answer.status_code == 422 and "Use at most 200 characters." in answer.text
    assert owner.post(url, {"reason": "", "version": "1"}).status_code == 303
    assert _membership(app, sold).status == "cancelled"
    assert owner.get(url).status_code == 404  # nothing left to cancel
    assert "Cancelled, ends" in owner.get(f"/clients/{amara}").text


def test_a_pack_expires_after_its_last_day(app, staff, amara):
    pack = _pack(app, credit_expiry_days=10)
    sold = _sell(app, staff, amara, pack, D(2027, 3, 1))
    with app.app_context():
        assert refresh_statuses(D(2027, 3, 10)) == 0
        assert refresh_statuses(D(2027, 3, 11)) == 1
        assert db.session.get(Membership, sold).status == "expired"


# --- the card and the badges -----------------------------------------------------------------


def test_overdue_shows_on_the_card_and_the_badge(app, staff, amara, client_factory):
    gold = _plan(app)
    other = client_factory(first_name="Bo")
    nobody = client_factory(first_name="Cy")
    _sell(app, staff, amara, gold, D(2027, 1, 10))
    _sell(app, staff, other, gold, D(2027, 1, 10), paid_with="cash")
    with app.app_context():
        view = live_membership(amara, D(2027, 1, 11))
        assert view.overdue and view.status_text == "Overdue" and view.tone == "danger"
        assert not live_membership(amara, D(2027, 1, 10)).overdue  # due today is not late
        badges = membership_badges([amara, other, nobody], D(2027, 1, 11))
    assert [(b.text, b.tone) for b in badges[amara]] == [("Overdue", "danger")]
    assert [(b.text, b.tone) for b in badges[other]] == [("Member", "success")]
    assert nobody not in badges


def test_the_card_costs_one_query_and_none_shows_for_a_client_without(
    app, staff, amara, client_factory, count_queries
):
    gold = _plan(app)
    _sell(app, staff, amara, gold, _today())
    bare = client_factory(first_name="Bare")
    with app.test_request_context():
        for client_id, expected in ((amara, "Gold monthly"), (bare, None)):
            client = db.session.get(Client, client_id)
            with count_queries() as queries:
                data = membership_parts._card(client)
            assert len(queries) == 1
            assert (data["view"].plan_name if data["view"] else None) == expected
        with count_queries() as queries:
            membership_badges(list(range(1, 200)))
        assert len(queries) == 1


def test_the_profile_shows_no_card_without_a_membership(owner, amara):
    page = owner.get(f"/clients/{amara}").text
    assert "membership-card" not in page
    assert ">New membership</a>" in page


@pytest.mark.parametrize("role", ["manager", "front_desk", "practitioner"])
def test_every_role_with_edit_clients_sells_and_records(app, login, amara, role):
    gold = _plan(app)
    someone = login(role)
    today = _today().isoformat()
    answer = someone.post(
        f"/clients/{amara}/memberships/new", {"plan": str(gold), "starts_on": today}
    )
    assert answer.status_code == 303
    with app.app_context():
        sold = db.session.scalar(select(Membership.id))
    answer = someone.post(
        f"/clients/{amara}/memberships/{sold}/payment",
        {"method": "cash", "amount": "45", "version": "1"},
    )
    assert answer.status_code == 303


def test_signed_out_people_are_sent_to_sign_in(app, amara):
    answer = app.test_client().get(f"/clients/{amara}/memberships/new")
    assert answer.status_code in (302, 303)


def test_odd_ids_and_gone_clients_are_404(app, owner, amara, client_factory):
    from app.clients import privacy_ops

    gold = _plan(app)
    sold = _sell(app, owner.staff, amara, gold, _today())
    bases = [
        "/clients/{c}/memberships/new",
        "/clients/{c}/memberships/{m}/payment",
        "/clients/{c}/memberships/{m}/pause",
        "/clients/{c}/memberships/{m}/cancel",
    ]
    for odd in ("²", "٣", "-1", str(10**20), "0", "99999"):
        for base in bases:
            assert owner.get(base.format(c=odd, m=sold)).status_code == 404
            assert owner.get(base.format(c=amara, m=odd)).status_code in (200, 404)
            if "{m}" in base:
                assert owner.get(base.format(c=amara, m=odd)).status_code == 404
                assert owner.post(base.format(c=amara, m=odd), {}).status_code == 404
    other = client_factory(first_name="Other")
    assert owner.get(f"/clients/{other}/memberships/{sold}/payment").status_code == 404
    trashed, erased = client_factory(first_name="Tess"), client_factory(first_name="Eve")
    trashed_sale = _sell(app, owner.staff, trashed, gold, _today())
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, trashed), owner.staff)
        privacy_ops.erase_client(db.session.get(Client, erased), "Eve Lovelace", owner.staff)
    for gone in (trashed, erased):
        answer = owner.post(
            f"/clients/{gone}/memberships/new",
            {"plan": str(gold), "starts_on": _today().isoformat()},
        )
        assert answer.status_code == 404
    assert (
        owner.post(
            f"/clients/{trashed}/memberships/{trashed_sale}/payment",
            {"method": "cash", "amount": "45", "version": "1"},
        ).status_code
        == 404
    )
    with app.app_context(), pytest.raises(LookupError):
        record_payment(trashed, trashed_sale, "cash", 4500, owner.staff)


def test_a_merged_client_takes_no_new_membership(app, owner, amara, client_factory):
    from app.data.merge import default_choices, merge_clients

    gold = _plan(app)
    twin = client_factory(first_name="Amara", last_name="Okafor")
    with app.app_context():
        survivor, other = db.session.get(Client, amara), db.session.get(Client, twin)
        merge_clients(amara, [twin], default_choices(survivor, [other]), owner.staff)
        with pytest.raises(LookupError):
            sell_membership(twin, gold, _today(), owner.staff)
    answer = owner.post(
        f"/clients/{twin}/memberships/new",
        {"plan": str(gold), "starts_on": _today().isoformat()},
    )
    assert answer.status_code == 404


# --- what the Account tab reads --------------------------------------------------------------


def test_memberships_of_and_payments_of(app, staff, amara):
    gold, pack = _plan(app), _pack(app)
    first = _sell(app, staff, amara, gold, D(2027, 1, 1))
    second = _sell(app, staff, amara, pack, D(2027, 2, 1))
    with app.app_context():
        rows = memberships_of(amara)
        assert [(row.membership.id, row.plan_name) for row in rows] == [
            (second, "10 classes"),
            (first, "Gold monthly"),
        ]
        for _ in range(5):
            record_payment(amara, first, "cash", 4500, staff)
        seen, cursor = [], None
        while True:
            page = payments_of(amara, before=cursor, limit=2)
            seen.extend(payment.id for payment, _name in page.rows)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(seen) == 5 and seen == sorted(seen, reverse=True)
        assert payments_of(amara, limit=20).rows[0][1] == "Gold monthly"
        with pytest.raises(ValueError):
            payments_of(amara, before="garbage")


def test_the_client_list_shows_the_badge(app, owner, amara):
    gold = _plan(app)
    _sell(app, owner.staff, amara, gold, _today() - timedelta(days=3))
    page = owner.get("/clients").text
    assert "Overdue" in page and "badge--tone-danger" in page


def test_the_hourly_task_is_on_the_queue(app):
    task = app.extensions["clientele.task.membership_statuses"]
    assert task.name == "membership_statuses"
