"""Counting what a page costs: its statements, and what the registered cards add."""

from app.core.extensions import db
from app.core.parts import all_cards, all_header_cards, profile_cost
from app.models import Client


def measure(count_queries, browser, url, hx=False):
    with count_queries() as statements:
        response = browser.get(url, hx=hx)
    assert response.status_code == 200
    return len(statements)


def cards_cost(app, client_id) -> int:
    """What the registered Overview cards this client's row asks for cost on the
    profile (nothing for those joined to the profile's statement)."""
    with app.app_context():
        client = db.session.get(Client, client_id)
        return sum(profile_cost(card) for card in all_cards() if card.shown(client))


def header_cost(app, client_id) -> int:
    """What the registered header cards (under the name, on whole pages) cost."""
    with app.app_context():
        client = db.session.get(Client, client_id)
        return sum(profile_cost(card) for card in all_header_cards() if card.shown(client))
