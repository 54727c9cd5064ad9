"""Booking from the profile: free times, conflicts, classes and the waitlist, the status
flow, the Sessions tab and the statistics."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.bookings import attendance, checks, counts, scheduling, service_settings
from app.bookings import queries as booking_queries
from app.bookings.slots import appointment_slots, instant
from app.core.extensions import db
from app.models import Activity, Booking, Service, utcnow
from tests.helpers.bookings import (
    LONDON,
    book,
    future_day,
    future_weekday,
    practitioner,
    service,
    service_values,
)


@pytest.fixture
def setup(app, owner, client_factory):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    client_id = client_factory(first_name="Bea", last_name="Booker")
    return sam, massage, client_id


def _slot_labels(app, service_id, practitioner_id, day):
    with app.app_context():
        return [
            slot.label
            for slot in appointment_slots(
                db.session.get(Service, service_id), practitioner_id, day, LONDON, utcnow()
            )
        ]


def test_free_times_leave_out_booked_time_and_the_end_of_the_day(app, owner, setup):
    sam, massage, client_id = setup
    day = future_day()
    labels = _slot_labels(app, massage, sam.id, day)
    assert labels[0] == "09:00" and labels[-1] == "16:00"  # a 60-minute service ends by 17:00
    book(app, owner.staff, client_id, massage, sam.id, day, "10:00")
    labels = _slot_labels(app, massage, sam.id, day)
    assert "10:00" not in labels and "10:30" not in labels and "09:15" not in labels
    assert "09:00" in labels and "11:00" in labels


def test_a_long_session_holds_its_whole_time_and_no_service_runs_past_a_day(app, owner, setup):
    """The busy-time check looks back only as far as the longest service runs: a session
    that began hours earlier still holds the time it runs into."""
    sam, _massage, client_id = setup
    day = future_day()
    long_one = service(app, owner.staff, name="Retreat day", duration_minutes=7 * 60)
    book(app, owner.staff, client_id, long_one, sam.id, day, "09:00")
    labels = _slot_labels(app, long_one, sam.id, day)
    assert labels == []  # 09:00-16:00 is held, and nothing of 7 hours fits after it
    short = service(app, owner.staff, name="Quick check", duration_minutes=30)
    assert _slot_labels(app, short, sam.id, day)[0] == "16:00"
    with pytest.raises(ValueError), app.app_context():
        service_settings.save_service(
            {**service_values(), "duration_minutes": 24 * 60 + 1}, owner.staff
        )


def test_booking_from_the_profile_and_its_timeline(app, owner, setup):
    sam, massage, client_id = setup
    day = future_day()
    page = owner.get(
        f"/clients/{client_id}/sessions/new?service={massage}&practitioner={sam.id}&day={day}"
    )
    assert page.status_code == 200
    assert 'value="11:00"' in page.text and "Book a session for Bea Booker" in page.text
    answer = owner.post(
        f"/clients/{client_id}/sessions/new",
        {"service": massage, "practitioner": sam.id, "day": day.isoformat(), "time": "11:00"},
        hx=True,
    )
    assert answer.status_code == 200, answer.text
    assert "Session booked." in answer.text and "Massage" in answer.text
    with app.app_context():
        booking = db.session.scalar(select(Booking))
        assert booking.status == "confirmed"
        assert booking.starts_at.astimezone(LONDON).time() == time(11, 0)
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id)
        ).all()
    assert "session.booked" in verbs
    timeline = owner.get(f"/clients/{client_id}/activity/timeline?kind=sessions", hx=True)
    assert "Session booked" in timeline.text and "Profile created" not in timeline.text


def test_a_booking_costs_the_same_statements_however_full_the_diary(
    app, owner, setup, count_queries
):
    """Booking checks the client, service and practitioner once, inside its transaction
    (not once in the route and again in ops), and the statement count does not grow
    with the practitioner's or the client's sessions."""
    sam, massage, client_id = setup
    day = future_day()

    def post_booking(at: str) -> int:
        with count_queries() as statements:
            answer = owner.post(
                f"/clients/{client_id}/sessions/new",
                {"service": massage, "practitioner": sam.id, "day": day.isoformat(), "time": at},
                hx=True,
            )
        assert answer.status_code == 200, answer.text
        return len(statements)

    first = post_booking("09:00")
    for hour in range(10, 16):
        book(app, owner.staff, client_id, massage, sam.id, day + timedelta(days=1), f"{hour}:00")
    later = post_booking("16:00")
    assert first == later
    # The staff session; the write: client (with whether it has credits to pay with, for
    # the accounts area), service and practitioner in one statement, the day's hours with
    # whether the time is taken in one, the booking, the counts, its timeline event; the
    # tab: the profile with the statistics, the upcoming sessions.
    assert later == 8


def test_double_booking_is_refused_beside_the_time(app, owner, setup, client_factory):
    sam, massage, client_id = setup
    other = client_factory(first_name="Cal")
    day = future_day()
    book(app, owner.staff, other, massage, sam.id, day, "11:00")
    answer = owner.post(
        f"/clients/{client_id}/sessions/new",
        {"service": massage, "practitioner": sam.id, "day": day.isoformat(), "time": "11:30"},
        hx=True,
    )
    assert answer.status_code == 422
    assert "11:30 is not free for Sam Practitioner" in answer.text
    assert 'value="12:00"' in answer.text  # the free times are offered again


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"service": "999"}, "Choose a service."),
        ({"service": "²"}, "Choose a service."),
        ({"practitioner": ""}, "Choose a practitioner."),
        ({"day": "yesterday"}, "Enter a real date"),
        ({"time": "25:00"}, "Choose one of the times offered."),
        ({"time": "08:00"}, "08:00 is not free"),
    ],
)
def test_bad_booking_input_gets_a_message_and_keeps_the_rest(
    app, owner, setup, change, field_message
):
    sam, massage, client_id = setup
    day = future_day()
    data = {"service": massage, "practitioner": sam.id, "day": day.isoformat(), "time": "10:00"}
    answer = owner.post(f"/clients/{client_id}/sessions/new", data | change, hx=True)
    assert answer.status_code == 422
    assert field_message in answer.text
    with app.app_context():
        assert db.session.scalar(select(Booking)) is None


def test_past_date_and_non_practitioner_are_refused(app, owner, setup, staff_factory):
    sam, massage, client_id = setup
    yesterday = future_day(-1)
    answer = owner.post(
        f"/clients/{client_id}/sessions/new",
        {"service": massage, "practitioner": sam.id, "day": yesterday.isoformat(), "time": "10:00"},
        hx=True,
    )
    assert answer.status_code == 422 and "Choose today or a later date." in answer.text
    desk = staff_factory(role="front_desk", name="Dee Desk")
    with (
        app.app_context(),
        pytest.raises(checks.BookingRefused, match="does not take bookings"),
    ):
        scheduling.create_booking(
            scheduling.BookingRequest(client_id, massage, desk.id, future_day(), time(10)),
            owner.staff,
        )


def test_a_full_class_offers_the_waitlist_and_a_cancellation_moves_the_first_in(
    app, owner, client_factory
):
    sam = practitioner(app, owner.staff)
    yoga = service(app, owner.staff, name="Yoga", capacity=2)
    day = future_day()
    with app.app_context():
        service_settings.add_class_time(yoga, day.weekday(), time(18, 0), sam.id, owner.staff)
    first, second, third = (client_factory(first_name=name) for name in ("Ann", "Ben", "Cy"))
    a = book(app, owner.staff, first, yoga, None, day, "18:00")
    book(app, owner.staff, second, yoga, None, day, "18:00")
    with app.app_context(), pytest.raises(checks.BookingRefused, match="full"):
        scheduling.create_booking(
            scheduling.BookingRequest(third, yoga, None, day, time(18)), owner.staff
        )
    page = owner.get(f"/clients/{third}/sessions/new?service={yoga}&day={day}")
    assert "full (waitlist)" in page.text and "Join waitlist" in page.text
    waiting = book(app, owner.staff, third, yoga, None, day, "18:00", waitlist=True)
    with app.app_context():
        assert db.session.get(Booking, waiting).status == "waitlisted"
    answer = owner.post(f"/sessions/{a}", {"action": "cancel", "reason": "Flu"}, hx=True)
    assert answer.status_code == 200 and "Cancelled" in answer.text
    with app.app_context():
        assert db.session.get(Booking, waiting).status == "confirmed"
        first_verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == first)
        ).all()
        third_verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == third)
        ).all()
    assert "session.place_passed_on" in first_verbs
    assert "session.moved_in" in third_verbs


def test_status_flow_and_statistics(app, owner, setup):
    sam, massage, client_id = setup
    now = utcnow()
    with app.app_context():
        stats = booking_queries.session_stats(client_id, now)
        assert (stats.total, stats.cancellation_rate, stats.last_session, stats.next_session) == (
            0,
            None,
            None,
            None,
        )
        past = scheduling.add_past_session(
            client_id, massage, sam.id, now - timedelta(days=3), "confirmed", owner.staff
        ).id
    upcoming = book(app, owner.staff, client_id, massage, sam.id, future_day(2), "10:00")
    # Only a session that has begun can be completed.
    early = owner.post(f"/sessions/{upcoming}", {"action": "complete"}, hx=True)
    assert early.status_code == 422 and "once it has begun" in early.text
    assert owner.post(f"/sessions/{past}", {"action": "complete"}, hx=True).status_code == 200
    again = owner.post(f"/sessions/{past}", {"action": "no_show"}, hx=True)
    assert again.status_code == 409 and "changed meanwhile" in again.text
    with app.app_context():
        stats = booking_queries.session_stats(client_id, utcnow())
        assert (stats.total, stats.completed, stats.no_shows) == (2, 1, 0)
        assert stats.last_session == now - timedelta(days=3)
        assert stats.next_session.astimezone(LONDON).date() == future_day(2)
        # The clock moves the next session into the past.
        later = booking_queries.session_stats(client_id, utcnow() + timedelta(days=30))
        assert later.next_session is None and later.last_session.astimezone(
            LONDON
        ).date() == future_day(2)
    owner.post(f"/sessions/{upcoming}", {"action": "cancel", "reason": "Moving house"}, hx=True)
    with app.app_context():
        stats = booking_queries.session_stats(client_id, utcnow())
        assert (stats.total, stats.cancelled, stats.cancellation_rate) == (2, 1, 0.5)
        assert stats.next_session is None
        cancelled = db.session.get(Booking, upcoming)
        assert cancelled.cancel_reason == "Moving house" and cancelled.late_cancellation is False
    tab = owner.get(f"/clients/{client_id}/sessions")
    for name in (
        "Total sessions",
        "Completed",
        "Cancellation rate",
        "Last session",
        "Next session",
    ):
        assert name in tab.text
    assert "50%" in tab.text


def test_late_cancellation_inside_the_window(app, owner, setup):
    sam, massage, client_id = setup
    tomorrow = future_day(1)
    booking_id = book(app, owner.staff, client_id, massage, sam.id, tomorrow, "09:00")
    with app.app_context():
        from app.bookings import settings as booking_settings

        booking_settings.save({"late_cancel_hours": 48})
    owner.post(f"/sessions/{booking_id}", {"action": "cancel", "reason": "Late"}, hx=True)
    with app.app_context():
        assert db.session.get(Booking, booking_id).late_cancellation is True
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id)
        ).all()
    assert "session.cancelled_late" in verbs


def test_reschedule_rechecks_conflicts(app, owner, setup, client_factory):
    sam, massage, client_id = setup
    day = future_day()
    mine = book(app, owner.staff, client_id, massage, sam.id, day, "10:00")
    book(app, owner.staff, client_factory(first_name="Other"), massage, sam.id, day, "14:00")
    clash = owner.post(
        f"/sessions/{mine}/reschedule",
        {"practitioner": sam.id, "day": day.isoformat(), "time": "14:00"},
        hx=True,
    )
    assert clash.status_code == 422 and "not free" in clash.text
    # Its own time stays free to move within (10:30 overlaps only itself).
    moved = owner.post(
        f"/sessions/{mine}/reschedule",
        {"practitioner": sam.id, "day": day.isoformat(), "time": "10:30"},
        hx=True,
    )
    assert moved.status_code == 200, moved.text
    with app.app_context():
        assert db.session.get(Booking, mine).starts_at.astimezone(LONDON).time() == time(10, 30)


def test_sessions_tab_pages_upcoming_and_past(app, owner, setup):
    sam, massage, client_id = setup
    now = utcnow()
    with app.app_context():
        for days in range(1, 26):
            scheduling.add_past_session(
                client_id, massage, sam.id, now - timedelta(days=days), "completed", owner.staff
            )
    tab = owner.get(f"/clients/{client_id}/sessions")
    # Upcoming first; the past loads when scrolled to.
    assert "Nothing booked." in tab.text and "Show past sessions" in tab.text
    past = owner.get(f"/clients/{client_id}/sessions/list?when=past", hx=True)
    page = booking_queries.SESSIONS_PAGE
    assert past.text.count('class="session-row') == page and "More sessions" in past.text
    with app.app_context():
        first = booking_queries.sessions_page(client_id, "past", now, limit=20)
        second = booking_queries.sessions_page(
            client_id, "past", now, after=first.next_cursor, limit=20
        )
    seen = [row.Booking.id for row in first.rows + second.rows]
    assert len(seen) == 25 == len(set(seen)) and second.next_cursor is None
    more = owner.get(
        f"/clients/{client_id}/sessions/list?when=past&after={first.next_cursor}", hx=True
    )
    assert more.status_code == 200 and more.text.count('class="session-row') == 5
    # The pages in turn, as the sentinel asks for them: every past session once.
    shown, after = 0, ""
    while True:
        answer = owner.get(f"/clients/{client_id}/sessions/list?when=past{after}", hx=True)
        shown += answer.text.count('class="session-row')
        cursor = re.search(r"after=([^&\"]+)", answer.text)
        if cursor is None:
            break
        after = f"&after={cursor.group(1)}"
    assert shown == 25
    assert (
        owner.get(f"/clients/{client_id}/sessions/list?when=past&after=²", hx=True).status_code
        == 400
    )
    cancelled = owner.get(f"/clients/{client_id}/sessions/list?when=past&status=cancelled", hx=True)
    assert "No past sessions." in cancelled.text


def test_remove_from_history_needs_permission_and_can_be_undone(app, owner, login, setup):
    sam, massage, client_id = setup
    with app.app_context():
        visit = scheduling.add_past_session(
            client_id, massage, sam.id, utcnow() - timedelta(days=2), "completed", owner.staff
        ).id
    desk = login("front_desk")
    assert (
        desk.post(f"/sessions/{visit}", {"action": "remove", "reason": "Test"}, hx=True).status_code
        == 403
    )
    assert (
        owner.post(f"/sessions/{visit}", {"action": "remove", "reason": ""}, hx=True).status_code
        == 422
    )
    assert (
        owner.post(
            f"/sessions/{visit}", {"action": "remove", "reason": "Booked twice"}, hx=True
        ).status_code
        == 200
    )
    with app.app_context():
        assert booking_queries.session_stats(client_id, utcnow()).total == 0
    assert owner.post(f"/sessions/{visit}", {"action": "put_back"}, hx=True).status_code == 200
    with app.app_context():
        assert booking_queries.session_stats(client_id, utcnow()).completed == 1


def test_check_in_with_a_booking_confirms_it(app, owner, setup):
    sam, massage, client_id = setup
    with app.app_context():
        client = db.session.get(__import__("app.models", fromlist=["Client"]).Client, client_id)
        client.booking_policy = "approval"
        db.session.commit()
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    with app.app_context():
        assert db.session.get(Booking, booking_id).status == "pending"
    answer = owner.post(f"/sessions/{booking_id}", {"action": "check_in"}, hx=True)
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.get(Booking, booking_id).status == "confirmed"
    tab = owner.get(f"/clients/{client_id}/check-ins")
    assert "for Massage" in tab.text
    twice = owner.post(f"/sessions/{booking_id}", {"action": "check_in"}, hx=True)
    assert twice.status_code == 409


def test_calendar_file(app, owner, setup):
    sam, massage, client_id = setup
    booking_id = book(app, owner.staff, client_id, massage, sam.id, future_day(), "10:00")
    answer = owner.get(f"/sessions/{booking_id}/calendar.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    body = answer.get_data(as_text=True)
    assert "SUMMARY:Massage" in body and "TZID=Europe/London" in body
    assert owner.get("/sessions/999999/calendar.ics").status_code == 404


def test_daylight_saving_days(app, owner):
    """Hours 00:00-04:00 across the spring and autumn changes in London."""
    night = {day: (time(0, 0), time(4, 0)) for day in range(7)}
    sam = practitioner(app, owner.staff, hours=night)
    short = service(app, owner.staff, name="Short", duration_minutes=60)
    with app.app_context():
        svc = db.session.get(Service, short)
        past = datetime(2020, 1, 1, tzinfo=UTC)
        spring = appointment_slots(svc, sam.id, date(2027, 3, 28), LONDON, past)
        autumn = appointment_slots(svc, sam.id, date(2027, 10, 31), LONDON, past)
    spring_labels = [slot.label for slot in spring]
    assert "01:00" not in spring_labels and "01:30" not in spring_labels  # the skipped hour
    assert spring_labels[0] == "00:00" and spring_labels[-1] == "03:00"
    # Each offered start is a real instant one hour from the next wall-clock hour.
    assert instant(date(2027, 3, 28), time(2, 0), LONDON) - instant(
        date(2027, 3, 28), time(0, 0), LONDON
    ) == timedelta(hours=1)
    autumn_starts = [slot.starts_at for slot in autumn]
    assert len(autumn_starts) == len(set(autumn_starts))
    assert autumn[0].starts_at == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)


def test_new_session_page_finds_the_client_then_books(app, owner, setup):
    sam, massage, client_id = setup
    page = owner.get("/sessions/new?q=Booker", hx=True)
    assert page.status_code == 200 and "Bea Booker" in page.text
    assert f'href="/clients/{client_id}/sessions/new"' in page.text
    assert "No client matches" in owner.get("/sessions/new?q=zzzz", hx=True).text


def test_booking_needs_a_live_client_and_edit_rights(app, owner, login, setup):
    sam, massage, client_id = setup
    with app.app_context():
        from app.clients import privacy_ops
        from app.models import Client

        privacy_ops.delete_client(db.session.get(Client, client_id), owner.staff)
    assert owner.get(f"/clients/{client_id}/sessions/new").status_code == 404
    assert owner.get("/clients/999999/sessions/new").status_code == 404
    assert owner.get("/clients/999999/sessions").status_code == 404


def test_statistics_at_the_edges(app, owner, setup):
    sam, massage, client_id = setup
    now = utcnow()
    # Only a future session: counted, no last session, a next one.
    upcoming = book(app, owner.staff, client_id, massage, sam.id, future_day(4), "10:00")
    with app.app_context():
        stats = booking_queries.session_stats(client_id, now)
    assert (stats.total, stats.last_session is None, stats.next_session is not None) == (
        1,
        True,
        True,
    )
    # Only cancelled ones: a rate of 100%, neither a last nor a next session.
    owner.post(f"/sessions/{upcoming}", {"action": "cancel", "reason": ""}, hx=True)
    with app.app_context():
        scheduling.add_past_session(
            client_id, massage, sam.id, now - timedelta(days=9), "cancelled", owner.staff
        )
        stats = booking_queries.session_stats(client_id, utcnow())
    assert (stats.total, stats.cancelled, stats.cancellation_rate) == (2, 2, 1.0)
    assert stats.last_session is None and stats.next_session is None
    # A waiting place is not a session yet.
    assert "100%" in owner.get(f"/clients/{client_id}").text


def test_no_show_rule_switches_the_policy_and_says_why(app, owner, setup):
    sam, massage, client_id = setup
    with app.app_context():
        from app.bookings import settings as booking_settings

        booking_settings.save({"no_show_limit": 2, "no_show_days": 30})
        ids = [
            scheduling.add_past_session(
                client_id, massage, sam.id, utcnow() - timedelta(days=d), "confirmed", owner.staff
            ).id
            for d in (3, 5)
        ]
    owner.post(f"/sessions/{ids[0]}", {"action": "no_show"}, hx=True)
    with app.app_context():
        from app.models import Client

        assert db.session.get(Client, client_id).booking_policy == "allow"
    owner.post(f"/sessions/{ids[1]}", {"action": "no_show"}, hx=True)
    with app.app_context():
        client = db.session.get(Client, client_id)
        assert client.booking_policy == "approval"
        assert client.booking_policy_reason == "2 no-shows in 30 days"
        last = db.session.scalars(
            select(Activity).where(Activity.client_id == client_id).order_by(Activity.id.desc())
        ).first()
    assert last.verb == "client.booking_policy_changed" and last.actor_type == "system"
    # The next booking starts as Pending, with a notice.
    answer = owner.post(
        f"/clients/{client_id}/sessions/new",
        {
            "service": massage,
            "practitioner": sam.id,
            "day": future_day().isoformat(),
            "time": "10:00",
        },
        hx=True,
    )
    assert "Session booked as Pending" in answer.text


def test_blocked_client_needs_confirmation(app, owner, setup):
    sam, massage, client_id = setup
    with app.app_context():
        from app.clients import detail_ops
        from app.models import Client

        detail_ops.set_booking_policy(
            db.session.get(Client, client_id), "block", "Unpaid invoices", owner.staff
        )
    data = {
        "service": massage,
        "practitioner": sam.id,
        "day": future_day().isoformat(),
        "time": "10:00",
    }
    page = owner.get(f"/clients/{client_id}/sessions/new")
    assert "Online bookings are blocked for this client: Unpaid invoices" in page.text
    refused = owner.post(f"/clients/{client_id}/sessions/new", data, hx=True)
    assert refused.status_code == 422 and "Tick the box to book anyway." in refused.text
    booked = owner.post(
        f"/clients/{client_id}/sessions/new", data | {"confirm_blocked": "y"}, hx=True
    )
    assert booked.status_code == 200 and "Session booked." in booked.text


def test_export_and_erasure_keep_sessions_without_personal_text(app, owner, setup):
    sam, massage, client_id = setup
    with app.app_context():
        past = scheduling.add_past_session(
            client_id,
            massage,
            sam.id,
            utcnow() - timedelta(days=2),
            "cancelled",
            owner.staff,
            "Her divorce hearing",
        ).id
        attendance.check_in(client_id, owner.staff)
        from app.core.export import client_export
        from app.models import Client

        exported = client_export(db.session.get(Client, client_id))
    assert exported["sessions"][0]["cancel_reason"] == "Her divorce hearing"
    assert exported["sessions"][0]["service"] == "Massage"
    assert len(exported["check_ins"]) == 1
    with app.app_context():
        from app.clients import privacy_ops

        privacy_ops.erase_client(db.session.get(Client, client_id), "Bea Booker", owner.staff)
        kept = db.session.get(Booking, past)
        assert kept is not None and kept.cancel_reason is None
        stats = booking_queries.session_stats(client_id, utcnow())
    assert stats.cancelled == 1  # the business's records keep the session


def test_the_status_filter_narrows_both_lists(app, owner, setup):
    sam, massage, client_id = setup
    keep = book(app, owner.staff, client_id, massage, sam.id, future_day(2), "10:00")
    drop = book(app, owner.staff, client_id, massage, sam.id, future_day(3), "10:00")
    owner.post(f"/sessions/{drop}", {"action": "cancel", "reason": "Away"}, hx=True)
    with app.app_context():
        scheduling.add_past_session(
            client_id, massage, sam.id, utcnow() - timedelta(days=1), "cancelled", owner.staff
        )
    cancelled = owner.get(f"/clients/{client_id}/sessions?status=cancelled", hx=True).text
    assert f'id="session-{drop}"' in cancelled and f'id="session-{keep}"' not in cancelled
    assert cancelled.count('class="session-row') == 1  # the upcoming one
    assert 'aria-current="true">Cancelled<' in cancelled
    assert "/sessions/list?when=past&amp;status=cancelled" in cancelled
    past = owner.get(f"/clients/{client_id}/sessions/list?when=past&status=cancelled", hx=True)
    assert past.text.count('class="session-row') == 1
    assert owner.get(f"/clients/{client_id}/sessions?status=nonsense").status_code == 404


def test_one_time_check_agrees_with_the_times_offered(app, owner, client_factory):
    """What a booking checks (one time) and what the form offers (a day) are one rule:
    on ordinary days, around both daylight-saving changes, beside existing sessions."""
    from app.bookings.slots import appointment_slot_at

    hours = {
        day: (time(0, 0), time(4, 0)) if day == 6 else (time(9, 0), time(17, 0)) for day in range(7)
    }
    sam = practitioner(app, owner.staff, hours=hours)
    long = service(app, owner.staff, name="Long", duration_minutes=50)
    day = future_weekday(5)  # Sundays' hours end at 04:00
    book(app, owner.staff, client_factory(first_name="Taken"), long, sam.id, day, "11:00")
    past = datetime(2020, 1, 1, tzinfo=UTC)
    walls = [time(h, m) for h in range(24) for m in range(0, 60, 5)]
    with app.app_context():
        svc = db.session.get(Service, long)
        for when, now in ((date(2027, 3, 28), past), (date(2027, 10, 31), past), (day, utcnow())):
            offered = {slot.label for slot in appointment_slots(svc, sam.id, when, LONDON, now)}
            checked = {
                wall.strftime("%H:%M")
                for wall in walls
                if appointment_slot_at(svc, sam.id, when, wall, LONDON, now) is not None
            }
            assert offered == checked, when


def test_counts_stay_equal_to_a_recount(app, owner, setup, client_factory):
    from app.models import ClientSessionCounts

    sam, massage, client_id = setup
    first = book(app, owner.staff, client_id, massage, sam.id, future_day(2), "10:00")
    book(app, owner.staff, client_id, massage, sam.id, future_day(2), "12:00")
    with app.app_context():
        past = scheduling.add_past_session(
            client_id, massage, sam.id, utcnow() - timedelta(days=1), "confirmed", owner.staff
        ).id
    owner.post(f"/sessions/{first}", {"action": "cancel"}, hx=True)
    owner.post(f"/sessions/{past}", {"action": "no_show"}, hx=True)
    owner.post(f"/sessions/{past}", {"action": "remove", "reason": "Entered twice"}, hx=True)
    owner.post(f"/sessions/{past}", {"action": "put_back"}, hx=True)
    with app.app_context():
        kept = db.session.get(ClientSessionCounts, client_id)
        kept = (kept.total, kept.completed, kept.cancelled, kept.no_shows)
        from app.core.database import write_transaction

        with write_transaction():
            counts.refresh_counts(client_id)
        again = db.session.get(ClientSessionCounts, client_id)
        db.session.refresh(again)
    assert kept == (again.total, again.completed, again.cancelled, again.no_shows) == (3, 0, 1, 1)
