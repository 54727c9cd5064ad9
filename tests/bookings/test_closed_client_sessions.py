"""A client in the trash or erased is read-only, sessions included: every action on their
sessions is refused for every role and changes nothing, and their pages offer none."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings import attendance, scheduling
from app.clients import privacy_ops
from app.core.extensions import db
from app.models import Activity, Booking, CheckIn, Client, ClientSessionCounts, utcnow
from tests.helpers.bookings import (
    began_earlier_today,
    book,
    future_day,
    practitioner,
    service,
)

ROLES = ("owner", "manager", "front_desk", "practitioner")
# Every button a session's row may show, with what it sends.
ACTIONS = (
    {"action": "confirm"},
    {"action": "complete"},
    {"action": "no_show"},
    {"action": "cancel", "reason": "Feeling unwell"},
    {"action": "check_in"},
    {"action": "remove", "reason": "Booked twice"},
    {"action": "put_back"},
)


@pytest.fixture
def closed_setup(app, staff_factory, client_factory):
    """A client with a session to come (pending), one that began earlier today
    (confirmed), one completed yesterday and one removed from the history."""
    boss = staff_factory(role="owner", name="Bo Boss")
    sam = practitioner(app, boss)
    massage = service(app, boss)
    ada = client_factory(first_name="Ada", last_name="Lovelace")
    upcoming = book(app, boss, ada, massage, sam.id, future_day(3), "10:00")
    with app.app_context():
        begun = scheduling.add_past_session(
            ada, massage, sam.id, began_earlier_today(), "confirmed", boss
        ).id
        done = scheduling.add_past_session(
            ada, massage, sam.id, utcnow() - timedelta(days=1), "completed", boss
        ).id
        removed = scheduling.add_past_session(
            ada, massage, sam.id, utcnow() - timedelta(days=2), "completed", boss
        ).id
        attendance.remove_from_history(removed, "Entered twice", boss)
    return {
        "boss": boss,
        "client": ada,
        "sessions": [upcoming, begun, done, removed],
        "day": future_day(4),
    }


def fingerprint(app, client_id: int) -> tuple:
    """Everything a session action could change for the client."""
    with app.app_context():
        sessions = db.session.execute(
            select(
                Booking.id,
                Booking.status,
                Booking.version,
                Booking.removed_at,
                Booking.starts_at,
                Booking.practitioner_id,
            )
            .where(Booking.client_id == client_id)
            .order_by(Booking.id)
        ).all()
        timeline = db.session.scalar(
            select(func.count()).select_from(Activity).where(Activity.client_id == client_id)
        )
        arrivals = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.client_id == client_id)
        )
        counts = db.session.execute(
            select(ClientSessionCounts).where(ClientSessionCounts.client_id == client_id)
        ).first()
        counted = (
            (counts[0].total, counts[0].completed, counts[0].cancelled, counts[0].no_shows)
            if counts
            else None
        )
        return tuple(map(tuple, sessions)), timeline, arrivals, counted


def _close(app, setup, how: str) -> None:
    with app.app_context():
        client = db.session.get(Client, setup["client"])
        if how == "trash":
            privacy_ops.delete_client(client, setup["boss"])
        else:
            privacy_ops.erase_client(client, client.full_name, setup["boss"])


@pytest.mark.parametrize("how", ["trash", "erase"])
@pytest.mark.parametrize("role", ROLES)
def test_every_session_action_on_a_closed_client_is_refused(app, login, closed_setup, role, how):
    _close(app, closed_setup, how)
    before = fingerprint(app, closed_setup["client"])
    browser = login(role)
    answers = []
    for booking_id in closed_setup["sessions"]:
        for fields in ACTIONS:
            for hx in (True, False):
                answers.append(browser.post(f"/sessions/{booking_id}", fields, hx=hx))
        day = closed_setup["day"].isoformat()
        moved = {"day": day, "time": "11:00", "practitioner": ""}
        answers.append(browser.post(f"/sessions/{booking_id}/reschedule", moved, hx=True))
        answers.append(browser.get(f"/sessions/{booking_id}/reschedule", hx=True))
    statuses = {answer.status_code for answer in answers}
    # Refused: 409 with the reason in the row, or 403 where the role may not act at all;
    # a plain form post goes back to the tab (303), where nothing has changed either.
    assert statuses <= {303, 403, 409}, statuses
    assert 409 in statuses
    refusal = next(answer for answer in answers if answer.status_code == 409)
    reason = "in the trash" if how == "trash" else "was erased"
    assert reason in refusal.text
    assert fingerprint(app, closed_setup["client"]) == before


def _action_buttons(html: str) -> list[str]:
    return re.findall(r'name="action" value="([a-z_]+)"', html)


def test_the_sessions_tab_of_a_trashed_client_offers_no_action(app, owner, closed_setup):
    client_id = closed_setup["client"]
    before = owner.get(f"/clients/{client_id}/sessions").text
    past = owner.get(f"/clients/{client_id}/sessions/list", query_string={"when": "past"}).text
    assert {"cancel", "check_in"} <= set(_action_buttons(before))
    assert {"complete", "remove"} <= set(_action_buttons(past))
    assert "/reschedule" in before
    _close(app, closed_setup, "trash")
    after = owner.get(f"/clients/{client_id}/sessions").text
    past = owner.get(f"/clients/{client_id}/sessions/list", query_string={"when": "past"}).text
    assert "Ada" in after and "Massage" in after  # still shown, read-only
    assert _action_buttons(after) == [] and _action_buttons(past) == []
    assert "/reschedule" not in after


def test_reception_offers_no_check_in_for_a_trashed_clients_session(app, login, closed_setup):
    desk = login("front_desk")
    assert 'aria-label="Check in Ada Lovelace"' in desk.get("/reception").text  # begun, late
    _close(app, closed_setup, "trash")
    page = desk.get("/reception").text
    assert "Ada Lovelace" in page and 'aria-label="Check in Ada Lovelace"' not in page
    before = fingerprint(app, closed_setup["client"])
    begun = closed_setup["sessions"][1]
    refused = desk.post(f"/reception/sessions/{begun}/check-in", hx=True)
    assert refused.status_code in (404, 409, 422)
    assert fingerprint(app, closed_setup["client"]) == before
