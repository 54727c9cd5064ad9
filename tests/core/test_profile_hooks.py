"""What an area can add beyond its tabs and cards: a card under the client's name, badges
beside names in the list and at reception (one query for a page), a finder that knows a
client by an identifier scanned whole, and notices for the page being answered."""

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from app.bookings import scheduling
from app.core import parts as profile
from app.core.extensions import db
from app.core.notices import add_notice, pending_notices
from app.core.parts import Badge, ClientBadges, ClientFinder, HeaderCard
from app.models import Client, utcnow
from tests.helpers.bookings import practitioner, service
from tests.helpers.queries import measure

CARD = '<section class="test-card"><h2>{{ card_data.title }}</h2></section>'


@pytest.fixture
def registered(app):
    """A header card, badges and a finder of a pretend area, for one test."""
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"test/_card.html": CARD}), app.jinja_env.loader]
    )

    def load_card(client):
        count = db.session.scalar(select(func.count()).select_from(Client))
        return {"title": f"Card of {client.first_name} ({count} clients)"}

    def load_badges(client_ids):
        rows = db.session.execute(select(Client.id).where(Client.id.in_(client_ids))).all()
        return {row.id: [Badge("Member", "success")] for row in rows}

    def find(text):
        return db.session.scalar(
            select(Client.id).where(func.lower(Client.last_name) == text.lower())
        )

    card = HeaderCard("test", "test/_card.html", order=1, load=load_card, queries=1)
    with (
        profile._HEADER_CARDS.temporarily("test", card),
        profile._BADGES.temporarily("test", ClientBadges("test", load_badges, queries=1)),
        profile._FINDERS.temporarily("test", ClientFinder("test", find, queries=1)),
    ):
        yield card


def test_a_header_card_shows_under_the_name_on_every_whole_page(
    registered, owner, client_factory, count_queries
):
    ada = client_factory(first_name="Ada", last_name="Lovelace")
    page = owner.get(f"/clients/{ada}").text
    start = page.index('id="profile-header"')
    header = page[start : page.index("</header>", start)]
    assert header.index('id="client-name"') < header.index("<h2>Card of Ada (1 clients)</h2>")
    assert "Card of Ada" in owner.get(f"/clients/{ada}/activity").text
    # A tab's own fragment leaves the header alone: the card is neither drawn nor loaded.
    plain = measure(count_queries, owner, f"/clients/{ada}/activity", hx=True)
    assert "Card of Ada" not in owner.get(f"/clients/{ada}/activity", hx=True).text
    # Without the card, the same: the card costs the header its one query, no more.
    with profile._HEADER_CARDS.temporarily_without("test"):
        assert measure(count_queries, owner, f"/clients/{ada}/activity", hx=True) == plain
        without = measure(count_queries, owner, f"/clients/{ada}")
    assert measure(count_queries, owner, f"/clients/{ada}") == without + 1


def test_a_header_card_is_refreshed_after_an_edit(registered, owner, client_factory):
    ada = client_factory(first_name="Ada")
    saved = owner.post(f"/clients/{ada}/edit", {"first_name": "Adeline", "version": "1"}, hx=True)
    assert saved.status_code == 200
    assert 'id="profile-header" class="profile-header" hx-swap-oob="true"' in saved.text
    assert "Card of Adeline" in saved.text


def test_badges_show_beside_names_in_the_list_and_at_reception_for_one_query(
    registered, app, owner, client_factory, count_queries
):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    ada = client_factory(first_name="Ada", last_name="Lovelace")
    listed = owner.get("/clients").text
    assert '<span class="badge badge--tone-success">Member</span>' in listed
    few = measure(count_queries, owner, "/clients")
    for number in range(30):
        client_factory(first_name="Other", last_name=f"Person {number}")
    assert measure(count_queries, owner, "/clients") == few
    with app.app_context():
        scheduling.add_past_session(ada, massage, sam.id, utcnow(), "confirmed")
    reception = owner.get("/reception").text
    day = reception[reception.index('id="reception-day"') :]
    assert '<span class="badge badge--tone-success">Member</span>' in day


def test_an_identifier_scanned_whole_lists_its_client_first(registered, app, owner, client_factory):
    client_factory(first_name="Zed", last_name="Alpha", phone="+441234567890")
    scanned = client_factory(first_name="Ann", last_name="QX7731")
    found = owner.get("/clients?q=qx7731", hx=True).text
    assert found.index("Ann QX7731") < found.index("</tbody>")
    assert "Matches the number" in found
    at_desk = owner.get("/reception/find?q=QX7731", hx=True).text
    assert f'name="client" value="{scanned}"' in at_desk and "Matches the number" in at_desk
    with app.app_context():
        # A name of several words is never taken for an identifier.
        assert profile.find_client_by_identifier("Ann QX7731") is None
        assert profile.find_client_by_identifier("") is None
        # Nor is text with a control character (PostgreSQL refuses a NUL in text).
        assert profile.find_client_by_identifier("QX\x007731") is None
        assert profile.find_client_by_identifier("QX7731\t") == scanned  # trimmed


def test_notices_belong_to_one_request(app):
    with app.test_request_context("/"):
        assert pending_notices() == []
        add_notice("No credit left: booked as unpaid.")
        add_notice("No credit left: booked as unpaid.")  # said once
        assert [n.text for n in pending_notices()] == ["No credit left: booked as unpaid."]
        with pytest.raises(ValueError):
            add_notice("x", tone="shout")
    with app.test_request_context("/"):
        assert pending_notices() == []
