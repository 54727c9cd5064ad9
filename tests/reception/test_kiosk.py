"""The self check-in kiosk: staff PINs, starting it (the staff session ends), the
narrow session that reaches only /kiosk, identifying a client, checking in, "Please see
reception" and reception's waiting list, the throttle, idle expiry, leaving with a PIN,
Spanish, and the attacks on each."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.bookings import scheduling
from app.clients import alert_ops, detail_ops, privacy_ops
from app.core.export import client_export
from app.core.extensions import db
from app.core.parts import badge_queries
from app.data.merge import merge_clients
from app.models import (
    Activity,
    CheckIn,
    Client,
    KioskHelpRequest,
    KioskSession,
    StaffMember,
    StaffSession,
    utcnow,
)
from app.reception.kiosk import ops as kiosk_ops
from app.reception.kiosk.realm import COOKIE, OPEN_TO_KIOSK
from tests.conftest import Browserless, csrf_token_from
from tests.helpers.bookings import LONDON, practitioner, service
from tests.helpers.queries import measure

PIN = "482913"
PHONE = "+447700900123"
BIRTH = date(1990, 4, 12)
IDENTITY = {"phone": "0123", "day": "12", "month": "4"}


def _tonight() -> datetime:
    """A time later today wherever the clock is (the kiosk checks in today's sessions)."""
    return datetime.combine(datetime.now(LONDON).date(), time(23, 30), tzinfo=LONDON)


@pytest.fixture
def desk(app, login):
    """A front-desk member with a kiosk PIN, signed in."""
    browser = login("front_desk", name="Fay Desk")
    with app.app_context():
        kiosk_ops.set_kiosk_pin(browser.staff, PIN)
    return browser


@pytest.fixture
def booked(app, desk, client_factory, staff_factory):
    """Ada, booked tonight, and the booking's id."""
    boss = staff_factory(role="owner", name="Bo Boss")
    sam = practitioner(app, boss)
    massage = service(app, boss, name="Deep tissue massage")
    ada = client_factory(first_name="Ada", last_name="Lovelace", phone=PHONE, birth_date=BIRTH)
    with app.app_context():
        booking_id = scheduling.add_past_session(
            ada, massage, sam.id, _tonight(), "confirmed", desk.staff
        ).id
    return {"client": ada, "booking": booking_id, "service": massage, "sam": sam.id}


def start_kiosk(browser) -> Browserless:
    """Start the kiosk from the reception page; the same browser is then the kiosk."""
    page = browser.get("/reception")
    assert "Start kiosk" in page.text
    response = browser.post("/reception/kiosk")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk")
    welcome = browser.client.get("/kiosk")
    assert welcome.status_code == 200, welcome.text
    return Browserless(browser.client, csrf_token_from(welcome.text))


@pytest.fixture
def kiosk(desk):
    return start_kiosk(desk)


@pytest.fixture
def clock(monkeypatch):
    """The kiosk's clock, moved by the test."""
    moved = {"by": timedelta(0)}
    monkeypatch.setattr(kiosk_ops, "_now", lambda: utcnow() + moved["by"])

    def move(**kwargs):
        moved["by"] += timedelta(**kwargs)

    return move


def help_requests(app) -> list[KioskHelpRequest]:
    with app.app_context():
        return db.session.scalars(select(KioskHelpRequest).order_by(KioskHelpRequest.id)).all()


# --- staff PINs ---------------------------------------------------------------------------


def test_each_staff_member_sets_their_own_pin_hashed(app, login):
    desk = login("front_desk")
    page = desk.get("/settings/kiosk-pin")
    assert page.status_code == 200 and "You have no kiosk PIN yet." in page.text
    for bad in ("123", "123456789", "12a4", "١٢٣٤", "", "12 34"):
        refused = desk.post("/settings/kiosk-pin", {"pin": bad, "action": "save"})
        assert refused.status_code == 422 and "Use 4 to 8 digits" in refused.text
    saved = desk.post("/settings/kiosk-pin", {"pin": "2580", "action": "save"})
    assert saved.status_code == 200 and "Your kiosk PIN is saved." in saved.text
    assert "2580" not in saved.text
    with app.app_context():
        stored = db.session.get(StaffMember, desk.staff.id).kiosk_pin_hash
        assert stored.startswith("$argon2id$") and "2580" not in stored
        assert kiosk_ops.pin_holder("2580") == desk.staff.id
        assert kiosk_ops.pin_holder("2581") is None
    removed = desk.post("/settings/kiosk-pin", {"action": "remove"})
    assert removed.status_code == 200 and "You have no kiosk PIN yet." in removed.text
    with app.app_context():
        assert db.session.get(StaffMember, desk.staff.id).kiosk_pin_hash is None


def test_only_managers_of_staff_clear_anothers_pin(app, login, owner):
    desk = login("front_desk", name="Dee Desk")
    manager = login("manager")
    desk.post("/settings/kiosk-pin", {"pin": "1357", "action": "save"})
    url = f"/settings/staff/{desk.staff.id}/kiosk-pin/clear"
    assert manager.post(url).status_code == 403  # a manager does not manage staff
    assert desk.post(f"/settings/staff/{owner.staff.id}/kiosk-pin/clear").status_code == 403
    staff_page = owner.get("/settings/staff")
    assert "Clear kiosk PIN of Dee Desk" in staff_page.text
    assert owner.post(url).status_code == 303
    with app.app_context():
        assert db.session.get(StaffMember, desk.staff.id).kiosk_pin_hash is None
    assert owner.post("/settings/staff/99999/kiosk-pin/clear").status_code == 404
    assert owner.post("/settings/staff/²/kiosk-pin/clear").status_code == 404


# --- starting the kiosk -------------------------------------------------------------------


def test_starting_needs_someone_with_a_pin(app, login):
    desk = login("front_desk")
    refused = desk.post("/reception/kiosk")
    assert refused.status_code == 422 and "Set a kiosk PIN first" in refused.text
    assert COOKIE not in (refused.headers.get("Set-Cookie") or "")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 0


def test_starting_ends_the_staff_session_in_that_browser(app, desk):
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(StaffSession)
                .where(StaffSession.staff_id == desk.staff.id)
            )
            == 1
        )
    response = desk.post("/reception/kiosk")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk")
    cookies = response.headers.getlist("Set-Cookie")
    kiosk_cookie = next(value for value in cookies if value.startswith(COOKIE + "="))
    assert "HttpOnly" in kiosk_cookie and "SameSite=Strict" in kiosk_cookie
    assert any(value.startswith("clientele_session=;") for value in cookies)  # deleted
    token = kiosk_cookie.split(";")[0].split("=", 1)[1]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(StaffSession)
                .where(StaffSession.staff_id == desk.staff.id)
            )
            == 0
        )
        row = db.session.get(KioskSession, kiosk_ops.digest(token))
        assert row is not None and row.started_by_id == desk.staff.id
        assert db.session.get(KioskSession, token) is None  # only the digest is kept
    welcome = desk.client.get("/kiosk")
    assert welcome.status_code == 200 and "Last four digits of your phone" in welcome.text
    assert welcome.headers["Cache-Control"] == "no-store"


def test_a_practitioner_may_start_it_but_not_a_stranger(app, client, login):
    assert client.post("/reception/kiosk").status_code in (302, 400)  # sign-in or CSRF
    practitioner_browser = login("practitioner")
    with app.app_context():
        kiosk_ops.set_kiosk_pin(practitioner_browser.staff, "9999")
    assert practitioner_browser.post("/reception/kiosk").status_code == 303


# --- the kiosk reaches nothing but /kiosk -------------------------------------------------


def _sample_url(rule) -> str:
    values = {name: "1" for name in rule.arguments}
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:>]+:)?{name}>", values[name], url)
    return url


def test_the_kiosk_cookie_opens_no_staff_page(app, kiosk, client_factory):
    client_factory(first_name="Canary", last_name="Staffpage")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_TO_KIOSK or rule.rule.startswith("/kiosk"):
            continue
        url = _sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = kiosk.client.open(url, method=method, data={"csrf_token": kiosk.token})
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["Location"].endswith("/kiosk"), (method, url)
            assert "Canary" not in response.text
            checked += 1
    assert checked > 50
    for url in ("/me", "/me/login", "/login", "/clients", "/", "/reception"):
        response = kiosk.get(url)
        assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk")
    htmx = kiosk.get("/clients", hx=True)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith("/kiosk")
    with kiosk.get("/static/app.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_a_staff_cookie_alone_cannot_act_as_the_kiosk(app, owner, booked):
    for url in (
        "/kiosk/identify",
        "/kiosk/reset",
        "/kiosk/leave",
        f"/kiosk/sessions/{booked['booking']}/check-in",
    ):
        assert owner.post(url, IDENTITY | {"pin": PIN}).status_code == 403, url
    page = owner.get("/kiosk")
    assert page.status_code == 302 and page.headers["Location"].endswith("/reception")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_forged_or_ended_kiosk_cookie_opens_nothing(app, client, booked):
    client.set_cookie(COOKIE, "made-up-token")
    page = client.get("/kiosk")
    assert page.status_code == 302 and page.headers["Location"].endswith("/login")
    assert any(value.startswith(COOKIE + "=;") for value in page.headers.getlist("Set-Cookie"))
    assert client.post("/kiosk/identify", data=IDENTITY).status_code in (400, 403)


def test_the_kiosk_needs_the_csrf_token(kiosk, booked):
    response = kiosk.client.post("/kiosk/identify", data=IDENTITY)
    assert response.status_code == 400
    assert "Ada" not in response.text


# --- identifying and checking in ----------------------------------------------------------


def test_a_client_booked_today_checks_in(app, kiosk, booked, desk, login):
    welcome = kiosk.get("/kiosk").text
    assert "Ada" not in welcome and "Lovelace" not in welcome and "massage" not in welcome
    found = kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    assert found.status_code == 200 and "<html" not in found.text
    assert "Hello, Ada L.!" in found.text and "Lovelace" not in found.text
    assert "Deep tissue massage" in found.text and "23:30" in found.text
    assert "Sam" not in found.text and PHONE not in found.text
    # The page after a reload shows the same (the state lives in the kiosk's session).
    assert "Hello, Ada L.!" in kiosk.get("/kiosk").text
    done = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert done.status_code == 200
    assert "Thank you, Ada L. — you are checked in." in done.text
    with app.app_context():
        arrival = db.session.scalar(select(CheckIn).where(CheckIn.booking_id == booked["booking"]))
        assert arrival is not None and arrival.client_id == booked["client"]
        assert arrival.staff_id == desk.staff.id  # made for the staff member who started it
        event = db.session.scalars(
            select(Activity).where(
                Activity.client_id == booked["client"], Activity.verb == "client.checked_in"
            )
        ).one()
        # The timeline says she checked herself in, beside who answers for the tablet.
        assert event.changes["checked_in_at"] == [None, "Self check-in kiosk"]
    # The kiosk forgot her: the next person sees the welcome screen.
    after = kiosk.get("/kiosk").text
    assert "Ada" not in after and "Last four digits of your phone" in after
    # Twice is refused quietly: she is no longer identified.
    again = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert again.status_code == 409 and "Ada" not in again.text
    reception = login("front_desk").get("/reception?seen=1")
    assert "1 of 1 arrived or done" in reception.text


def test_a_wrong_guess_is_refused_and_reception_sees_them(app, kiosk, booked, login):
    refused = kiosk.post("/kiosk/identify", IDENTITY | {"phone": "9999"}, hx=True)
    assert refused.status_code == 200 and "Please see reception" in refused.text
    assert "Ada" not in refused.text
    (call,) = help_requests(app)
    assert call.client_id is None and call.reason == "no_match" and call.seen_at is None
    with app.app_context():
        assert db.session.scalar(select(KioskSession.failures)) == 1
    desk = login("front_desk")
    page = desk.get("/reception").text
    assert "Sent to the desk by the kiosk (1)" in page and "Someone not recognised" in page
    assert "Not recognised" in page
    seen = desk.post("/reception/waiting/seen", {"help": call.id}, hx=True)
    assert seen.status_code == 200 and "Sent to the desk by the kiosk" not in seen.text
    (call,) = help_requests(app)
    assert call.seen_at is not None and call.seen_by_id == desk.staff.id
    assert desk.post("/reception/waiting/seen", {"help": "99999"}, hx=True).status_code == 404
    for odd in ("²", "٣", "-1", str(10**20), ""):
        assert desk.post("/reception/waiting/seen", {"help": odd}, hx=True).status_code == 400


def test_bad_input_is_shown_beside_the_field(kiosk, booked):
    response = kiosk.post("/kiosk/identify", {"phone": "12", "day": "32", "month": "13"}, hx=True)
    assert response.status_code == 422
    assert "Enter the last four digits of your phone number." in response.text
    assert "Enter the day of the month you were born (1 to 31)." in response.text
    assert "Choose the month you were born." in response.text
    assert 'value="12"' in response.text and 'value="32"' in response.text  # kept
    odd = kiosk.post("/kiosk/identify", {"phone": "٠١٢٣", "day": "١٢", "month": "²"}, hx=True)
    assert odd.status_code == 422 and "Ada" not in odd.text


def _screen_text(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_every_reason_shows_the_same_screen(app, kiosk, booked, client_factory, desk, login):
    """No match, several matches, no session today and an alert: one screen, so the
    kiosk tells a stranger nothing; reception learns the reason."""
    bea = client_factory(
        first_name="Bea", last_name="Nobook", phone="+447700900555", birth_date=BIRTH
    )
    client_factory(first_name="Twin", last_name="One", phone="+447700900777", birth_date=BIRTH)
    client_factory(first_name="Twin", last_name="Two", phone="+447711900777", birth_date=BIRTH)
    with app.app_context():
        alert_ops.add_alert(
            db.session.get(Client, booked["client"]), "critical", "Latex", desk.staff
        )
    screens = [
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": "4444"}, hx=True),
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": "0777"}, hx=True),
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": "0555"}, hx=True),
        kiosk.post("/kiosk/identify", IDENTITY, hx=True),
    ]
    assert {response.status_code for response in screens} == {200}
    assert len({_screen_text(response.text) for response in screens}) == 1
    assert "Please see reception" in screens[0].text
    calls = help_requests(app)
    assert [(call.client_id, call.reason) for call in calls] == [
        (None, "no_match"),
        (None, "several"),
        (bea, "no_session"),
        (booked["client"], "alert"),
    ]
    page = login("front_desk").get("/reception").text  # this browser is the kiosk's now
    assert "Bea Nobook" in page and "No session today" in page and "Has an alert to see" in page
    assert "Several clients match" in page
    with app.app_context():
        assert db.session.scalar(select(KioskSession.failures)) == 4  # each one counted
        verbs = db.session.scalars(select(Activity.verb).where(Activity.client_id == bea)).all()
        assert "kiosk.asked_for_help" in verbs


def test_the_pause_after_wrong_guesses_tells_nothing_of_the_last_guess(
    app, login, booked, client_factory, desk
):
    """After MAX_FAILURES - 1 wrong guesses, the last guess is a no-match, several
    matches, a client with no session today or a client with an alert: the kiosk is in
    the same state after each (paused, for as long), so the pause reveals nothing."""
    client_factory(first_name="Bea", last_name="Nobook", phone="+447700900555", birth_date=BIRTH)
    client_factory(first_name="Twin", last_name="One", phone="+447700900777", birth_date=BIRTH)
    client_factory(first_name="Twin", last_name="Two", phone="+447711900777", birth_date=BIRTH)
    with app.app_context():
        alert_ops.add_alert(
            db.session.get(Client, booked["client"]), "critical", "Latex", desk.staff
        )
    last_guesses = {"no_match": "4444", "several": "0777", "no_session": "0555", "alert": "0123"}
    states = {}
    for reason, phone in last_guesses.items():
        holder = login("front_desk")
        with app.app_context():
            kiosk_ops.set_kiosk_pin(holder.staff, PIN)
        tablet = start_kiosk(holder)
        for guess in range(kiosk_ops.MAX_FAILURES - 1):
            tablet.post("/kiosk/identify", IDENTITY | {"phone": f"9{guess:03d}"}, hx=True)
        last = tablet.post("/kiosk/identify", IDENTITY | {"phone": phone}, hx=True)
        following = tablet.post("/kiosk/identify", IDENTITY | {"phone": "9999"}, hx=True)
        with app.app_context():
            row = db.session.scalar(
                select(KioskSession).where(KioskSession.started_by_id == holder.staff.id)
            )
            pause = row.blocked_until - utcnow() if row.blocked_until else None
            states[reason] = (
                last.status_code,
                _screen_text(last.text),
                following.status_code,
                row.failures,
                round(pause.total_seconds() / 10) if pause else None,
            )
        assert {call.reason for call in help_requests(app)[-2:]} == {reason, "blocked"}
    assert len(set(states.values())) == 1, states
    (state,) = set(states.values())
    assert state[2] == 429 and state[4] is not None  # each one paused the kiosk


def test_trashed_and_merged_clients_are_not_found(app, kiosk, booked, desk, client_factory):
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, booked["client"]), desk.staff)
    response = kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    assert "Please see reception" in response.text and "Ada" not in response.text
    assert help_requests(app)[-1].reason == "no_match"


def test_the_check_in_url_takes_only_the_identified_clients_sessions(
    app, kiosk, booked, client_factory, desk
):
    other = client_factory(first_name="Otto", last_name="Other")
    with app.app_context():
        others = scheduling.add_past_session(
            other, booked["service"], booked["sam"], _tonight(), "confirmed", desk.staff
        ).id
        tomorrow = scheduling.add_past_session(
            booked["client"],
            booked["service"],
            booked["sam"],
            _tonight() + timedelta(days=1),
            "confirmed",
            desk.staff,
        ).id
    assert kiosk.post("/kiosk/identify", IDENTITY, hx=True).status_code == 200
    for booking_id in (others, tomorrow, 99999, "-1", str(10**20), "²", "٣", "0", "1.0", "abc"):
        response = kiosk.post(f"/kiosk/sessions/{booking_id}/check-in", hx=True)
        assert response.status_code == 404, booking_id
        assert "Otto" not in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    # Still identified: her own session checks in.
    done = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert done.status_code == 200 and "you are checked in." in done.text


def test_a_session_reception_checked_in_meanwhile(app, kiosk, booked, login):
    kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    desk = login("front_desk")
    assert (
        desk.post(f"/reception/sessions/{booked['booking']}/check-in", hx=True).status_code == 200
    )
    response = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert response.status_code == 200 and "Checked in" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_kiosk_whose_starter_left_sends_clients_to_reception(app, kiosk, booked, desk):
    from app.auth.ops import deactivate_staff

    kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    with app.app_context():
        deactivate_staff(desk.staff.email)
    response = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert response.status_code == 200 and "Please see reception" in response.text
    assert help_requests(app)[-1].reason == "check_in_failed"


def test_markup_in_a_name_is_escaped_everywhere(app, kiosk, booked, desk, login):
    with app.app_context():
        ada = db.session.get(Client, booked["client"])
        detail_ops.update_client(
            ada,
            {"first_name": '<script>alert("x")</script>', "last_name": "<b>Bold"},
            desk.staff,
        )
    found = kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    assert "<script>alert" not in found.text and "&lt;script&gt;" in found.text
    assert "<b>" not in found.text
    done = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert "<script>alert" not in done.text and "&lt;script&gt;" in done.text
    with app.app_context():
        kiosk_ops.ask_reception(
            db.session.scalar(select(KioskSession.id)), booked["client"], "no_session"
        )
    page = login("front_desk").get("/reception").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<b>Bold" not in page


# --- the throttle and the idle reset ------------------------------------------------------


def test_guessing_is_throttled_across_resets(app, kiosk, booked, clock):
    for guess in range(kiosk_ops.MAX_FAILURES):
        response = kiosk.post("/kiosk/identify", IDENTITY | {"phone": f"{guess:04d}"}, hx=True)
        assert "Please see reception" in response.text
    blocked = kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    assert blocked.status_code == 429 and "Too many tries" in blocked.text
    assert "Ada" not in blocked.text
    kiosk.post("/kiosk/reset", hx=True)  # the kiosk's reset does not lift it
    assert "Too many tries. Please wait 1 minute, or see reception." in kiosk.get("/kiosk").text
    assert kiosk.post("/kiosk/identify", IDENTITY, hx=True).status_code == 429
    assert "blocked" in [call.reason for call in help_requests(app)]
    clock(seconds=61)
    assert "Hello, Ada L.!" in kiosk.post("/kiosk/identify", IDENTITY, hx=True).text
    # The next run of wrong guesses blocks for longer: two minutes.
    for guess in range(kiosk_ops.MAX_FAILURES):
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": f"{guess:04d}"}, hx=True)
    clock(seconds=61)
    assert kiosk.post("/kiosk/identify", IDENTITY, hx=True).status_code == 429
    clock(seconds=60)
    assert kiosk.post("/kiosk/identify", IDENTITY, hx=True).status_code == 200
    # After a quiet while, the count starts again.
    clock(minutes=30)
    for guess in range(kiosk_ops.MAX_FAILURES - 1):
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": f"{guess:04d}"}, hx=True)
    with app.app_context():
        row = db.session.scalar(select(KioskSession))
        assert row.failures == kiosk_ops.MAX_FAILURES - 1


def test_the_throttle_is_per_kiosk_session(app, kiosk, booked, login):
    for guess in range(kiosk_ops.MAX_FAILURES):
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": f"{guess:04d}"}, hx=True)
    assert kiosk.post("/kiosk/identify", IDENTITY, hx=True).status_code == 429
    other = login("front_desk")
    with app.app_context():
        kiosk_ops.set_kiosk_pin(other.staff, "7777")
    second = start_kiosk(other)
    assert second.post("/kiosk/identify", IDENTITY, hx=True).status_code == 200


def test_the_identified_state_expires_after_a_minute(app, kiosk, booked, clock):
    assert "Hello, Ada L.!" in kiosk.post("/kiosk/identify", IDENTITY, hx=True).text
    clock(seconds=30)
    assert "Hello, Ada L.!" in kiosk.get("/kiosk").text
    clock(seconds=31)
    page = kiosk.get("/kiosk").text
    assert "Ada" not in page and "Last four digits of your phone" in page
    late = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", hx=True)
    assert late.status_code == 409 and "Time ran out" in late.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_the_page_resets_itself_when_idle(kiosk, booked):
    found = kiosk.post("/kiosk/identify", IDENTITY, hx=True).text
    assert 'hx-post="/kiosk/reset"' in found and "load delay:60s" in found
    assert "click from:body delay:60s" in found
    reset = kiosk.post("/kiosk/reset", hx=True)
    assert reset.status_code == 200 and "Ada" not in reset.text
    assert "Ada" not in kiosk.get("/kiosk").text


# --- leaving ------------------------------------------------------------------------------


def test_leaving_needs_a_staff_pin(app, kiosk, booked, login):
    assert kiosk.get("/kiosk/leave").status_code == 200
    wrong = kiosk.post("/kiosk/leave", {"pin": "0000"})
    assert wrong.status_code == 422 and "That PIN is not right." in wrong.text
    assert kiosk.post("/kiosk/leave", {"pin": "x" * 50}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(KioskSession.failures)) == 2
    # Any active staff member's PIN will do.
    other = login("practitioner")
    with app.app_context():
        kiosk_ops.set_kiosk_pin(other.staff, "24680")
    left = kiosk.post("/kiosk/leave", {"pin": "24680"})
    assert left.status_code == 303 and left.headers["Location"].endswith("/login")
    assert any(value.startswith(COOKIE + "=;") for value in left.headers.getlist("Set-Cookie"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 0
    # The browser is an ordinary signed-out one again.
    clients = kiosk.client.get("/clients")
    assert clients.status_code == 302 and "/login" in clients.headers["Location"]


def test_a_deactivated_members_pin_no_longer_opens_it(app, kiosk, desk):
    from app.auth.ops import deactivate_staff

    with app.app_context():
        deactivate_staff(desk.staff.email)
    assert kiosk.post("/kiosk/leave", {"pin": PIN}).status_code == 422


def test_wrong_pins_count_with_wrong_guesses(app, kiosk, booked):
    for guess in range(kiosk_ops.MAX_FAILURES - 1):
        kiosk.post("/kiosk/identify", IDENTITY | {"phone": f"{guess:04d}"}, hx=True)
    blocked = kiosk.post("/kiosk/leave", {"pin": "0000"})
    assert blocked.status_code == 429 and "Too many tries" in blocked.text
    still = kiosk.post("/kiosk/leave", {"pin": PIN})
    assert still.status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 1


# --- Spanish ------------------------------------------------------------------------------


def test_the_kiosk_speaks_the_browsers_language(kiosk, booked):
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    welcome = kiosk.get("/kiosk", headers=spanish).text
    assert '<html lang="es">' in welcome
    assert "Últimos cuatro dígitos de tu teléfono" in welcome and "Abril" in welcome
    assert "Salir del quiosco" in welcome
    bad = kiosk.post("/kiosk/identify", {"phone": "1"}, headers=spanish, hx=True).text
    assert "Escribe los últimos cuatro dígitos de tu número de teléfono." in bad
    found = kiosk.post("/kiosk/identify", IDENTITY, headers=spanish, hx=True).text
    assert "¡Hola, Ada L.!" in found and "Registrar llegada" in found
    done = kiosk.post(f"/kiosk/sessions/{booked['booking']}/check-in", headers=spanish, hx=True)
    assert "Gracias, Ada L." in done.text
    nobody = kiosk.post("/kiosk/identify", IDENTITY | {"phone": "9999"}, headers=spanish, hx=True)
    assert "Por favor, acude a recepción" in nobody.text
    english = kiosk.get("/kiosk", headers={"Accept-Language": "fr-FR"}).text
    assert "Last four digits of your phone" in english


# --- reception's side ---------------------------------------------------------------------


def test_the_waiting_list_costs_reception_the_same_whatever_its_size(
    app, kiosk, booked, login, count_queries
):
    desk = login("front_desk")
    kiosk.post("/kiosk/identify", IDENTITY | {"phone": "9999"}, hx=True)
    one = measure(count_queries, desk, "/reception")
    with app.app_context():
        kiosk_id = db.session.scalar(select(KioskSession.id))
        for _ in range(30):
            kiosk_ops.ask_reception(kiosk_id, booked["client"], "no_session")
    many = measure(count_queries, desk, "/reception")
    # session, the day's counts (with the waiting count), its first page, the waiting list,
    # and the badges other areas give the page's clients
    assert one == many == 4 + badge_queries()
    page = desk.get("/reception").text
    assert "Sent to the desk by the kiosk (31)" in page
    assert page.count('id="kiosk-waiting-') == 20


def test_reception_needs_sign_in_for_seen(app, client, kiosk, booked):
    kiosk.post("/kiosk/identify", IDENTITY | {"phone": "9999"}, hx=True)
    (call,) = help_requests(app)
    assert client.post("/reception/waiting/seen", data={"help": call.id}).status_code in (302, 400)
    assert help_requests(app)[0].seen_at is None


# --- export, erasure, merge ---------------------------------------------------------------


def test_calls_are_exported_erased_and_merged(app, kiosk, booked, owner, client_factory):
    bea = client_factory(
        first_name="Bea", last_name="Nobook", phone="+447700900555", birth_date=BIRTH
    )
    kiosk.post("/kiosk/identify", IDENTITY | {"phone": "0555"}, hx=True)
    with app.app_context():
        exported = client_export(db.session.get(Client, bea))
        (entry,) = exported["kiosk_help_requests"]
        assert entry["reason"] == "No session today" and entry["seen_at"] is None
        survivor = client_factory(first_name="Bea", last_name="Survivor")
        merge_clients(survivor, [bea], {}, owner.staff)
        assert [call.client_id for call in help_requests(app)] == [survivor]
        privacy_ops.erase_client(db.session.get(Client, survivor), "Bea Survivor", owner.staff)
        assert help_requests(app) == []


def test_the_demo_owner_gets_a_pin_to_leave_the_kiosk(app, tmp_path):
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--clients", "1"])
    assert first.exit_code == 0, first.output
    pin = re.search(r"kiosk PIN \(to leave the reception kiosk\): ([0-9]{6})", first.output)
    assert pin is not None
    again = runner.invoke(args=["seed-demo", "--clients", "1"])
    assert f"kiosk PIN {pin.group(1)}" in again.output  # printed again with the password
    with app.app_context():
        assert kiosk_ops.pin_holder(pin.group(1)) is not None


def test_the_kiosk_session_ends_after_a_long_day(app, kiosk, clock):
    clock(hours=17)
    page = kiosk.client.get("/kiosk")
    assert page.status_code == 302 and page.headers["Location"].endswith("/login")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KioskSession)) == 0
    assert kiosk.client.get("/clients").status_code == 302  # the staff sign-in, not the kiosk


def test_the_kiosk_pages_cost_a_fixed_number_of_queries(app, kiosk, booked, count_queries):
    # the kiosk's session
    assert measure(count_queries, kiosk, "/kiosk") == 1
    kiosk.post("/kiosk/identify", IDENTITY, hx=True)
    # the kiosk's session, the client identified in it, their sessions today
    assert measure(count_queries, kiosk, "/kiosk") == 3
    with app.app_context():
        massage = booked["service"]
        for hour in range(8, 20):
            at = datetime.combine(datetime.now(LONDON).date(), time(hour), tzinfo=LONDON)
            scheduling.add_past_session(booked["client"], massage, booked["sam"], at, "confirmed")
    assert measure(count_queries, kiosk, "/kiosk") == 3
