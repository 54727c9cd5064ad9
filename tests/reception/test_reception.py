"""Reception: today's sessions with arrivals, late and due-next clients, alerts on
arrival, check-ins in place, walk-ins and the quick find."""

import re
from datetime import datetime, time, timedelta

from app.bookings import scheduling
from app.clients import alert_ops, privacy_ops
from app.core.extensions import db
from app.core.parts import badge_queries
from app.models import Booking, Client, utcnow
from app.reception.queries import DAY_PAGE
from tests.helpers.bookings import ALL_WEEK, LONDON, practitioner, service
from tests.helpers.queries import measure


def _today_at(hour: int, minute: int = 0) -> datetime:
    today = datetime.now(LONDON).date()
    return datetime.combine(today, time(hour, minute), tzinfo=LONDON)


def _session_today(app, actor, client_id, service_id, staff_id, starts_at, status="confirmed"):
    with app.app_context():
        return scheduling.add_past_session(
            client_id, service_id, staff_id, starts_at, status, actor
        ).id


def test_the_day_shows_who_is_late_due_and_arrived(app, owner, client_factory):
    sam = practitioner(app, owner.staff, hours=ALL_WEEK)
    massage = service(app, owner.staff)
    late = client_factory(first_name="Lena", last_name="Late")
    due = client_factory(first_name="Dora", last_name="Due")
    now = utcnow()
    _session_today(app, owner.staff, late, massage, sam.id, now - timedelta(minutes=5))
    due_id = _session_today(app, owner.staff, due, massage, sam.id, now + timedelta(minutes=10))
    with app.app_context():
        alert_ops.add_alert(db.session.get(Client, due), "critical", "Nut allergy", owner.staff)
    page = owner.get("/reception")
    assert page.status_code == 200 and "<h1>Reception</h1>" in page.text
    if now.astimezone(LONDON).date() == (now - timedelta(minutes=5)).astimezone(LONDON).date():
        assert "Lena Late" in page.text and "Late</span>" in page.text
    if now.astimezone(LONDON).date() == (now + timedelta(minutes=10)).astimezone(LONDON).date():
        assert "Due next" in page.text and "Nut allergy" in page.text
        answer = owner.post(f"/reception/sessions/{due_id}/check-in", hx=True)
        assert answer.status_code == 200 and "Checked in." in answer.text
        assert "Arrived and done (1)" in answer.text and "<html" not in answer.text
        seen = owner.get("/reception/day?seen=1", hx=True).text
        assert "Dora Due" in seen and "Arrived" in seen
        again = owner.post(f"/reception/sessions/{due_id}/check-in", hx=True)
        assert again.status_code == 409 and "changed meanwhile" in again.text


def test_walk_in_and_quick_find(app, owner, client_factory):
    walker = client_factory(first_name="Walter", last_name="Walkin", phone="+442079460958")
    found = owner.get("/reception/find?q=Walter", hx=True)
    assert "Walter Walkin" in found.text and "Check in" in found.text
    assert "Walter Walkin" in owner.get("/reception/find?q=460958", hx=True).text  # last digits
    answer = owner.post("/reception/walk-in", {"client": walker}, hx=True)
    assert answer.status_code == 200 and "Walk-in checked in." in answer.text
    tab = owner.get(f"/clients/{walker}/check-ins")
    assert "walk-in" in tab.text
    assert owner.post("/reception/walk-in", {"client": "²"}, hx=True).status_code == 400
    assert owner.post("/reception/walk-in", {"client": "99999"}, hx=True).status_code == 404


def test_reception_costs_the_same_for_a_busy_day(app, owner, client_factory, count_queries):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff, duration_minutes=5)
    start = _today_at(0, 1)
    first = client_factory(first_name="First")
    _session_today(app, owner.staff, first, massage, sam.id, start)
    small = measure(count_queries, owner, "/reception")
    for index in range(60):
        client_id = client_factory(first_name=f"Busy {index}")
        _session_today(
            app, owner.staff, client_id, massage, sam.id, start + timedelta(minutes=index)
        )
        if index % 3 == 0:
            with app.app_context():
                alert_ops.add_alert(
                    db.session.get(Client, client_id), "info", "Note it", owner.staff
                )
    large = measure(count_queries, owner, "/reception")
    # session, the day's counts, its first page, the alerts of that page's clients, and
    # what other areas mark beside the names (badges, one query each)
    assert small <= large == 4 + badge_queries()  # (no alert query when none has one)
    page = owner.get("/reception").text
    assert page.count('class="day-entry') == DAY_PAGE and "Later today" in page
    cursor = re.search(r"/reception/day\?after=([0-9-]+)", page).group(1)
    more = owner.get(f"/reception/day?after={cursor}", hx=True)
    assert more.text.count('class="day-entry') == min(DAY_PAGE, 61 - DAY_PAGE)
    assert measure(count_queries, owner, f"/reception/day?after={cursor}", hx=True) == (
        3 + badge_queries()
    )
    assert owner.get("/reception/day?after=²", hx=True).status_code == 400


def test_an_erased_clients_session_stays_as_deleted_client(app, owner, client_factory):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    gone = client_factory(first_name="Gone", last_name="Away")
    booking_id = _session_today(app, owner.staff, gone, massage, sam.id, _today_at(0, 2))
    with app.app_context():
        privacy_ops.erase_client(db.session.get(Client, gone), "Gone Away", owner.staff)
        assert db.session.get(Booking, booking_id) is not None
    page = owner.get("/reception").text
    assert "Deleted Client" in page and "Gone Away" not in page


def test_front_desk_reaches_reception_and_practitioners_see_it(login):
    for role in ("front_desk", "practitioner", "manager"):
        assert login(role).get("/reception").status_code == 200
