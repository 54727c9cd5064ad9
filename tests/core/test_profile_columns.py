"""Cards that ride on the profile's own statement (app.profile.ProfileColumns) say what
their own loaders say: the sessions statistics, the membership card and the Credits box
read from the profile's row agree with the same cards loaded by their own queries, for
a client with everything and for a client with nothing."""

from datetime import timedelta

from app.accounts.credits import ops as credit_ops
from app.accounts.credits.box import credits_box
from app.accounts.credits.forms import IssueValues
from app.accounts.memberships.ops import sell_membership
from app.clients.profile_queries import joined_values, profile_view
from app.core.clock import business_today
from app.core.extensions import db
from app.core.parts import all_cards, all_header_cards
from app.models.accounts import MembershipPlan
from tests.helpers.bookings import book, future_day, practitioner, service
from tests.helpers.queries import measure


def _joined_cards():
    return [card for card in [*all_cards(), *all_header_cards()] if card.columns is not None]


def _comparable(value):
    """A card's context as plain values (a grant is an ORM row from one path and a
    small record from the other; a membership likewise)."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if hasattr(value, "remaining") and hasattr(value, "expires_at"):  # a grant
        return (
            value.id,
            value.remaining,
            value.quantity,
            value.source,
            value.expires_at,
            value.reason or None,
        )
    if hasattr(value, "plan_name") and hasattr(value, "membership"):  # the card's view
        membership = value.membership
        return (
            value.plan_name,
            value.status_text,
            value.tone,
            value.may_pay,
            value.may_pause,
            value.pause_planned,
            membership.id,
            membership.next_payment_due,
            membership.paused_from,
            membership.paused_until,
        )
    return value


def _both_ways(app, client_id):
    with app.test_request_context():
        row = profile_view(client_id, "overview", header=True)
        client = row.Client
        joined_columns, values = joined_values(row)
        assert {card.columns for card in _joined_cards()} <= set(joined_columns)
        return [
            (
                card.name,
                _comparable(card.columns.read(client, values)),
                _comparable(card.load(client)),
            )
            for card in _joined_cards()
        ]


def test_the_joined_cards_are_the_statistics_the_membership_and_the_credits():
    assert {card.name for card in _joined_cards()} >= {"session-stats", "membership", "credits"}


def test_read_from_the_profile_row_they_say_what_their_own_queries_say(
    app, owner, client_factory, count_queries
):
    member = client_factory(first_name="Member")
    nobody = client_factory(first_name="Nobody")
    staff = owner.staff
    sam = practitioner(app, staff)
    massage = service(app, staff, name="Massage")
    facial = service(app, staff, name="Facial")
    book(app, staff, member, massage, sam.id, future_day())
    with app.test_request_context():
        plan = MembershipPlan(
            name="Gold monthly",
            kind="membership",
            price_minor=4500,
            billing_period="month",
            minimum_term=3,
            credits=8,
            active=True,
        )
        db.session.add(plan)
        db.session.commit()
        sell_membership(member, plan.id, business_today(), staff, today=business_today())
        today = business_today()
        for quantity, days, services, reason in (
            (3, 10, (massage, facial), "Goodwill: a late start"),
            (2, 40, (), "Birthday"),
        ):
            credit_ops.issue_credits(
                member,
                IssueValues(quantity, today + timedelta(days=days), reason, services),
                staff,
            )
        birthday = next(
            grant for grant in credits_box(member)["grants"] if grant.reason == "Birthday"
        )
        credit_ops.revoke_credits(member, birthday.id, "Given by mistake", staff)
    for client_id in (member, nobody):
        for name, from_row, from_load in _both_ways(app, client_id):
            assert from_row == from_load, name
    member_cards = dict((name, value) for name, value, _ in _both_ways(app, member))
    assert member_cards["credits"]["redeemable"] > 0
    assert member_cards["credits"]["revoked"] == 2
    assert any(services for services in member_cards["credits"]["grant_services"].values())
    assert member_cards["membership"]["view"] is not None
    assert member_cards["session-stats"]["stats"].total == 1
    nobody_cards = dict((name, value) for name, value, _ in _both_ways(app, nobody))
    assert nobody_cards["membership"]["view"] is None
    assert nobody_cards["credits"]["grants"] == []
    # On the page: the session and the profile row, whatever the member holds.
    for url in ("/clients/{}", "/clients/{}/sessions"):
        assert measure(count_queries, owner, url.format(member)) == measure(
            count_queries, owner, url.format(nobody)
        )
    assert measure(count_queries, owner, f"/clients/{member}") == 2
    page = owner.get(f"/clients/{member}").text
    assert "Gold monthly" in page and "Goodwill: a late start" in page
    assert "For Facial, Massage" in page and "Birthday" not in page  # revoked
