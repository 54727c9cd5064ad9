"""Settings → Plans: memberships and packs, what they cost and which services they cover."""

import pytest
from sqlalchemy import select

from app.accounts.plans.forms import parse_money
from app.core.extensions import db
from app.models import Service
from app.models.accounts import MembershipPlan, plan_services

MONTHLY = {
    "name": "Gold monthly",
    "kind": "membership",
    "price": "45",
    "billing_period": "month",
    "minimum_term": "3",
    "credits": "8",
    "credit_expiry_days": "",
    "active": "y",
}
PACK = {
    "name": "10 classes",
    "kind": "pack",
    "price": "90.50",
    "credits": "10",
    "credit_expiry_days": "90",
    "active": "y",
}


def _service(app, name="Yoga"):
    with app.app_context():
        service = Service(name=name, duration_minutes=60, price_minor=1200, capacity=10)
        db.session.add(service)
        db.session.commit()
        return service.id


def _plans(app):
    with app.app_context():
        return db.session.scalars(select(MembershipPlan).order_by(MembershipPlan.id)).all()


def test_a_manager_creates_a_membership_and_a_pack(app, login):
    manager = login("manager")
    yoga = _service(app)
    page = manager.get("/settings/plans")
    assert page.status_code == 200
    assert '<h2 id="plans-heading">Plans</h2>' in page.text
    assert 'aria-current="page">Plans</a>' in page.text
    assert manager.post("/settings/plans", MONTHLY).status_code == 303
    answer = manager.post("/settings/plans", {**PACK, "services": str(yoga)})
    assert answer.status_code == 303
    gold, pack = _plans(app)
    assert (gold.kind, gold.price_minor, gold.billing_period, gold.minimum_term) == (
        "membership",
        4500,
        "month",
        3,
    )
    assert (gold.credits, gold.credit_expiry_days, gold.active) == (8, None, True)
    assert (pack.kind, pack.price_minor, pack.credits, pack.credit_expiry_days) == (
        "pack",
        9050,
        10,
        90,
    )
    assert pack.billing_period is None
    with app.app_context():
        covered = db.session.execute(select(plan_services.c.plan_id, plan_services.c.service_id))
        assert [tuple(row) for row in covered] == [(pack.id, yoga)]
    page = manager.get("/settings/plans").text
    assert "Gold monthly" in page and "£45.00" in page and "8 credits a month" in page
    assert "10 credits, 90 days" in page and "£90.50" in page and "Every service" in page


def test_editing_a_plan_keeps_and_changes_its_values(app, owner):
    yoga, pilates = _service(app), _service(app, "Pilates")
    owner.post("/settings/plans", {**MONTHLY, "services": [str(yoga), str(pilates)]})
    (gold,) = _plans(app)
    form = owner.get(f"/settings/plans/{gold.id}").text
    assert 'value="45.00"' in form and 'value="Gold monthly"' in form
    assert form.count("checked") >= 3  # kind, two services, active
    answer = owner.post(
        f"/settings/plans/{gold.id}",
        {**MONTHLY, "price": "50.5", "services": str(pilates), "active": ""},
    )
    assert answer.status_code == 303
    (gold,) = _plans(app)
    assert (gold.price_minor, gold.active) == (5050, False)
    with app.app_context():
        covered = db.session.scalars(select(plan_services.c.service_id)).all()
    assert covered == [pilates]
    assert "Inactive" in owner.get("/settings/plans").text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "-5"}, "price", "The price cannot be negative."),
        ({"price": "4x"}, "price", "Enter a price like 45 or 45.50."),
        ({"price": ""}, "price", "Enter a price like"),
        ({"name": ""}, "name", "Enter the plan&#39;s name."),
        ({"name": "G" * 101}, "name", "Use at most 100 characters."),
        ({"minimum_term": "0", "billing_period": "week"}, "minimum_term", "from 1 to 120"),
        ({"billing_period": "daily"}, "billing_period", "Choose weekly, monthly or yearly."),
        ({"credits": "-1"}, "credits", "from 0 to 1000"),
        ({"credit_expiry_days": "0"}, "credit_expiry_days", "Enter days from 1"),
        ({"services": "999"}, "services", "Choose services from the list."),
        ({"services": "²"}, "services", "Choose services from the list."),
        ({"kind": "gift"}, "kind", "Choose a membership or a pack."),
    ],
)
def test_bad_membership_input_is_explained_beside_its_field(app, owner, changes, field, message):
    typed = {**MONTHLY, **changes}
    answer = owner.post("/settings/plans", typed)
    assert answer.status_code == 422
    assert f'id="plan-{field}-error">' in answer.text
    assert message in answer.text
    if field != "name":
        assert 'value="Gold monthly"' in answer.text  # nothing typed lost
    assert _plans(app) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credits": "0"}, "credits", "A pack holds from 1 to 1000 credits."),
        ({"credits": ""}, "credits", "A pack holds"),
        ({"credit_expiry_days": ""}, "credit_expiry_days", "Enter the days the pack lasts"),
        ({"credit_expiry_days": "٣"}, "credit_expiry_days", "Enter the days the pack lasts"),
    ],
)
def test_bad_pack_input_is_explained_beside_its_field(app, owner, changes, field, message):
    answer = owner.post("/settings/plans", {**PACK, **changes})
    assert answer.status_code == 422
    assert f'id="plan-{field}-error">' in answer.text and message in answer.text
    assert 'value="10 classes"' in answer.text
    assert _plans(app) == []


def test_a_bad_edit_is_kept_and_explained(app, owner):
    owner.post("/settings/plans", MONTHLY)
    (gold,) = _plans(app)
    answer = owner.post(f"/settings/plans/{gold.id}", {**MONTHLY, "price": "-1", "name": "Gold+"})
    assert answer.status_code == 422
    assert "The price cannot be negative." in answer.text and 'value="Gold+"' in answer.text
    assert 'value="-1"' in answer.text
    assert _plans(app)[0].price_minor == 4500


def test_htmx_gets_the_block_and_a_page_gets_the_page(owner):
    page = owner.get("/settings/plans")
    fragment = owner.get("/settings/plans", hx=True)
    assert "<html" in page.text and "<html" not in fragment.text
    assert 'id="plan-settings"' in page.text and 'id="plan-settings"' in fragment.text
    assert fragment.headers["Vary"] == "HX-Request"


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_only_settings_managers_see_or_change_plans(app, login, role):
    someone = login(role)
    assert someone.get("/settings/plans").status_code == 403
    assert someone.post("/settings/plans", MONTHLY).status_code == 403
    assert _plans(app) == []


def test_odd_plan_ids_are_404(owner):
    owner.post("/settings/plans", MONTHLY)
    for odd in ("²", "٣", "-1", str(10**20), "0", "999"):
        assert owner.get(f"/settings/plans/{odd}").status_code == 404
        assert owner.post(f"/settings/plans/{odd}", MONTHLY).status_code == 404


def test_money_is_read_as_people_type_it():
    assert parse_money("45") == 4500
    assert parse_money("45.5") == 4550
    assert parse_money("1,200.00") == 120000
    assert parse_money(".99") == 99
    for bad in ("45.505", "4 5", "1e3", "١٢", "-0"):
        with pytest.raises(ValueError):
            parse_money(bad)
