"""Every page costs a fixed, small number of queries, whatever the data size."""

from datetime import UTC, datetime, timedelta

import pytest

from app.clients import alert_ops, label_ops, note_ops
from app.core.extensions import db
from app.core.parts import (
    badge_queries,
    finder_queries,
)
from app.models import Client
from tests.helpers.queries import cards_cost, header_cost, measure
from tests.helpers.timeline import add_events


@pytest.mark.parametrize(
    "url,hx,budget",
    [
        # session + staff (one query), label counts, the page of clients, their labels,
        # and what other areas mark beside the names (badges: one query each)
        ("/clients", False, lambda app, client_id: 4 + badge_queries()),
        # session, the index's hits, the page, its labels, the badges, and the finders
        # asked whether "ada" is a whole identifier (a pass number)
        ("/clients?q=ada", True, lambda app, client_id: 4 + badge_queries() + finder_queries()),
        (
            "/clients?label={label}&show=incomplete",
            True,
            lambda app, client_id: 3 + badge_queries(),
        ),
        # session, the client with its labels and staff names, its alerts, its notes,
        # the registered Overview cards (the sessions statistics…) and header cards
        (
            "/clients/{id}",
            False,
            lambda app, client_id: 4 + cards_cost(app, client_id) + header_cost(app, client_id),
        ),
        ("/clients/{id}/activity", True, lambda app, client_id: 3),  # session, client, alerts
        ("/clients/{id}/activity/timeline", True, lambda app, client_id: 2),  # one page
        ("/clients/{id}/activity/timeline?kind=notes", True, lambda app, client_id: 2),
    ],
)
def test_query_count_is_fixed_whatever_the_data_size(
    app, owner, client_factory, count_queries, url, hx, budget
):
    client_id = client_factory(first_name="Ada")
    owner.post(f"/clients/{client_id}/alerts/new", {"severity": "info", "text": "First"})
    with app.app_context():
        actor = owner.staff
        label = label_ops.create_label("Label 0", "teal", actor)
        label_id = label.id
        client = db.session.get(Client, client_id)
        label_ops.set_client_labels(client, {label_id}, actor)
        note_ops.add_note(client, "The first note", actor)
    url = url.format(id=client_id, label=label_id)
    small = measure(count_queries, owner, url, hx)

    with app.app_context():
        client = db.session.get(Client, client_id)
        labels = [label_ops.create_label(f"Label {n}", "blue", actor).id for n in range(1, 8)]
        label_ops.set_client_labels(client, {label_id, *labels}, actor)
        for number in range(25):
            note_ops.add_note(client, f"Note {number}", actor, pinned=number % 5 == 0)
        for number in range(6):
            alert_ops.add_alert(client, "warning", f"Alert {number}", actor)
    for index in range(60):
        other = client_factory(first_name="Ada", last_name=f"Other {index}")
        with app.app_context():
            label_ops.set_client_labels(db.session.get(Client, other), set(labels[:3]), actor)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    add_events(app, client_id, [base + timedelta(hours=index) for index in range(120)])
    large = measure(count_queries, owner, url, hx)
    assert small == large <= budget(app, client_id)


def test_a_profile_without_notes_or_alerts_asks_for_neither(
    app, owner, client_factory, count_queries
):
    plain = client_factory(first_name="Plain")
    # session, profile, and the registered Overview and header cards (the sessions
    # statistics, a membership)
    parts = cards_cost(app, plain) + header_cost(app, plain)
    assert measure(count_queries, owner, f"/clients/{plain}") == 2 + parts
    with app.app_context():
        note_ops.add_note(db.session.get(Client, plain), "Now there is one", owner.staff)
    with count_queries() as statements:
        page = owner.get(f"/clients/{plain}").text
    # the notes, once there
    assert len(statements) == 3 + parts
    assert "Now there is one" in page
