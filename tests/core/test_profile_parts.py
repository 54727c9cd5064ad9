"""The profile is composed of registered parts; each part costs the queries it declares,
whatever the client's history holds."""

from datetime import timedelta

import pytest

from app.areas import load_areas
from app.bookings import scheduling
from app.core.parts import all_tabs, tab_cost
from app.models import utcnow
from tests.helpers.bookings import book, future_day, practitioner, service
from tests.helpers.queries import cards_cost, measure

PROFILE_QUERIES = 2  # the session and the profile row (a client without notes or alerts)


def test_the_profile_draws_every_registered_tab_in_order(owner, client_factory):
    client_id = client_factory(first_name="Tabby")
    page = owner.get(f"/clients/{client_id}").text
    positions = [page.index(f'id="tab-{tab.name}"') for tab in all_tabs()]
    assert positions == sorted(positions)
    assert {"overview", "sessions", "check-ins", "activity"} <= {tab.name for tab in all_tabs()}
    # The Sessions tab lives outside app/clients.
    assert next(tab for tab in all_tabs() if tab.name == "sessions").template.startswith(
        "bookings/"
    )


def _add_history(app, owner, client_id, count):
    sam = practitioner(app, owner.staff, name=f"Sam {count}", email=f"sam{count}@example.com")
    massage = service(app, owner.staff)
    with app.app_context():
        for days in range(1, count + 1):
            scheduling.add_past_session(
                client_id, massage, sam.id, utcnow() - timedelta(days=days), "completed"
            )
    for days in range(1, min(count, 6) + 1):
        book(app, owner.staff, client_id, massage, sam.id, future_day(days), "10:00")


@pytest.mark.parametrize(
    "tab",
    [tab for area in load_areas() for tab in area.tabs if tab.load is not None],
    ids=lambda tab: tab.name,
)
def test_each_registered_tab_costs_what_it_declares(app, owner, client_factory, count_queries, tab):
    few, many = client_factory(first_name="Few"), client_factory(first_name="Many")
    _add_history(app, owner, few, 2)
    _add_history(app, owner, many, 60)
    costs = []
    for client_id in (few, many):
        url = f"/clients/{client_id}/{tab.name}"
        costs.append(measure(count_queries, owner, url, hx=True))
    # A tab whose part rides on the profile's statement (its columns) costs its loader's
    # queries alone there.
    assert costs[0] == costs[1] == PROFILE_QUERIES + tab_cost(tab, joined=True)


def test_overview_cards_cost_what_they_declare(app, owner, client_factory, count_queries):
    few, many = client_factory(first_name="Few"), client_factory(first_name="Many")
    _add_history(app, owner, few, 1)
    _add_history(app, owner, many, 40)
    costs = [measure(count_queries, owner, f"/clients/{c}", hx=True) for c in (few, many)]
    assert (
        costs[0]
        == costs[1]
        == PROFILE_QUERIES + cards_cost(app, few)
        == (PROFILE_QUERIES + cards_cost(app, many))
    )
    assert "Total sessions" in owner.get(f"/clients/{many}").text


def test_every_table_that_points_at_clients_is_exported_and_erased(app):
    """A new area's table with a client_id must join the one-client export and the
    erasure (each says what it keeps): the registries, not app/clients, cover it."""
    from app.core.erasure import erased_tables
    from app.core.export import exported_tables
    from app.models import Base

    pointing = {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "clients"
    }
    assert {"notes", "bookings", "check_ins"} <= pointing
    exported = {name for tables in exported_tables().values() for name in tables}
    erased = {name for tables in erased_tables().values() for name in tables}
    assert pointing - exported == set(), "tables missing from the one-client export"
    assert pointing - erased == set(), "tables no erasure step deals with"
