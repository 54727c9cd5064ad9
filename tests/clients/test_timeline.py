"""The activity timeline: one writer, lazy pages, keyset on (occurred_at, id) with ties."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.clients.timeline_queries import timeline_page
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.paging import decode_cursor, encode_cursor
from app.core.timeline import record
from app.models import Activity, Client
from tests.helpers.timeline import add_events


def test_create_and_update_are_recorded_by_whom(app, owner, client_factory):
    response = owner.post("/clients/new", data={"first_name": "Noor", "last_name": "Haddad"})
    client_id = int(response.headers["Location"].rsplit("/", 1)[1])
    owner.post(
        f"/clients/{client_id}/edit",
        data={
            "first_name": "Noor",
            "last_name": "Haddad",
            "email": "noor@example.com",
            "version": "1",
        },
    )
    html = owner.get(f"/clients/{client_id}/activity/timeline", hx=True).text
    assert html.index("Profile updated") < html.index("Profile created")  # newest first
    assert html.count("by Olivia Owner") == 2
    assert "Email" in html and "noor@example.com" in html and "—" in html  # old → new


def test_every_page_across_tied_timestamps_has_no_gaps_and_no_repeats(app, client_factory):
    client_id = client_factory()
    base = datetime(2025, 1, 1, 12, tzinfo=UTC)
    # 60 events on 7 distinct instants: many share a timestamp, straddling page edges.
    add_events(app, client_id, [base + timedelta(seconds=index // 9) for index in range(60)])
    with app.app_context():
        everything = db.session.scalars(
            select(Activity.id).where(Activity.client_id == client_id)
        ).all()
        seen, cursor = [], None
        while True:
            page = timeline_page(client_id, cursor, limit=7)
            seen += [row.Activity.id for row in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == len(everything) == 61
    with app.app_context():
        ordered = [row.Activity.id for row in timeline_page(client_id, None, limit=1000).rows]
    assert seen == ordered


def test_cursor_round_trips_microseconds():
    moment = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    with pytest.raises(ValueError):
        decode_cursor("nonsense")


def test_sentinel_chain_over_http(make_app, login, client_factory):
    app = make_app(TIMELINE_PAGE_SIZE=10)
    browser = login(client=app.test_client())
    client_id = client_factory()
    base = datetime(2024, 5, 1, tzinfo=UTC)
    add_events(app, client_id, [base + timedelta(minutes=index // 4) for index in range(24)])
    url, shown = f"/clients/{client_id}/activity/timeline", []
    for _ in range(5):
        html = browser.get(url, hx=True).text
        assert "<html" not in html
        shown += re.findall(r'<span class="old">(c\d+)</span>', html)
        next_url = re.search(r'<li class="sentinel" hx-get="([^"]+)"', html)
        if not next_url:
            break
        url = next_url.group(1).replace("&amp;", "&")
    assert len(shown) == 24 == len(set(shown))
    # The next-page URL is a real page too (works without JavaScript).
    full = browser.get(url)
    assert "<html" in full.text and 'aria-label="Activity timeline"' in full.text


def test_malformed_cursor_is_400_not_500(owner, client_factory):
    client_id = client_factory()
    for cursor in ["x", "1-", "-1", "99999999999999999999999-1", "1-2-3"]:
        response = owner.get(f"/clients/{client_id}/activity/timeline?before={cursor}", hx=True)
        assert response.status_code == 400, cursor


def test_timeline_never_shows_another_clients_events(owner, client_factory):
    mine = client_factory(first_name="Mine")
    client_factory(first_name="Theirs", city="Elsewhere")
    html = owner.get(f"/clients/{mine}/activity/timeline", hx=True).text
    assert html.count('class="event ') == 1
    assert "Elsewhere" not in html


def test_record_refuses_unknown_verbs(app, client_factory):
    client_id = client_factory()
    with app.app_context(), pytest.raises(ValueError), write_transaction():
        record(db.session.get(Client, client_id), "client.teleported")
