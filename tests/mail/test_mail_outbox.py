"""Emails as the client reads them, kept in the outbox without MAIL_URL (development):
each kind rendered and read, in English and Spanish; who gets one; Settings → Outbox;
the profile's Messages tab; the day-before reminders; export, erasure and merge."""

import re
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, text

from app.bookings import checks, scheduling, service_settings, status_flow
from app.bookings import settings as booking_settings
from app.clients import detail_ops, privacy_ops
from app.core.database import write_transaction
from app.core.export import client_export
from app.core.extensions import db
from app.data.merge import default_choices, merge_clients
from app.mail.business import save_business_details
from app.mail.outbox import LINK_REMOVED, LINK_WITHHELD, compose, queue_email
from app.mail.reminders import queue_due_reminders
from app.models import LINK_PLACEHOLDER, Booking, Client, OutgoingEmail, utcnow
from tests.helpers.bookings import LONDON, book, future_day, practitioner, service
from tests.helpers.queries import measure


@pytest.fixture
def clinic(app, owner):
    """A practitioner and a service, and the business's name and address."""
    with app.app_context():
        save_business_details("Calm Clinic", "1 High Street\nLondon N1 1AA")
    sam = practitioner(app, owner.staff)
    return sam.id, service(app, owner.staff)


def emails(app, **where):
    """The messages as the client would read them: a session email's draft composed."""
    with app.app_context():
        statement = select(OutgoingEmail).order_by(OutgoingEmail.id)
        for name, value in where.items():
            statement = statement.where(getattr(OutgoingEmail, name) == value)
        rows = db.session.scalars(statement).all()
        db.session.expunge_all()
        for row in rows:
            composition = compose(row)
            row.body_text, row.body_html = composition.text, composition.html
            row.attachment = composition.attachment
        return rows


def long_date(day, locale="en_GB"):
    return format_date(day, "full", locale=locale)


FOOTER = "--\nCalm Clinic\n1 High Street\nLondon N1 1AA\n"


# --- each kind, read as the client reads it ----------------------------------------------


def test_the_booking_confirmation_reads_well(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", last_name="Lee", email="ann@example.com")
    day = future_day(5)
    book(app, owner.staff, ann, massage, sam, day, "10:00")
    (email,) = emails(app)
    assert email.kind == "session_booked" and email.status == "kept"
    assert email.to_address == "ann@example.com" and email.to_name == "Ann Lee"
    assert email.subject == f"Your session is booked: Massage on {long_date(day)}"
    assert email.body_text == (
        "Hi Ann,\n"
        "\n"
        "Your session is booked.\n"
        "\n"
        "What: Massage\n"
        f"When: {long_date(day)} at 10:00\n"
        "With: Sam Practitioner\n"
        "Where: 1 High Street, London N1 1AA\n"
        "\n"
        "The calendar file attached adds it to your calendar.\n"
        "If you cannot come, please let us know as early as you can.\n"
        "\n" + FOOTER
    )
    assert email.attachment_name.endswith(".ics") and b"BEGIN:VCALENDAR" in email.attachment
    assert "<title>Your session is booked: Massage on" in email.body_html


def test_a_session_email_waits_as_a_draft_of_the_session_as_it_was(
    app, owner, client_factory, clinic
):
    """The booking writes the subject and a draft; the bodies and the calendar file are
    composed later, yet say what was true when the email was queued."""
    sam, massage = clinic
    ann = client_factory(first_name="Annabel", email="ann@example.com")
    day, later = future_day(5), future_day(6)
    booking_id = book(app, owner.staff, ann, massage, sam, day, "10:00")
    with app.app_context():
        stored = db.session.scalars(select(OutgoingEmail)).one()
        assert stored.draft is not None and stored.body_text == "" and stored.attachment is None
        assert stored.attachment_name == f"session-{booking_id}.ics"
        # The draft holds the client's name and the session: ciphertext on disk.
        raw = db.session.execute(text("SELECT draft FROM outgoing_emails")).scalar_one()
        assert "Annabel" not in raw and "Massage" not in raw
        scheduling.reschedule(booking_id, sam, later, time(14, 0), owner.staff)
    booked, changed = emails(app)
    assert f"When: {long_date(day)} at 10:00\n" in booked.body_text
    assert b"SEQUENCE:1" in booked.attachment and b"STATUS:CANCELLED" not in booked.attachment
    assert f"When: {long_date(later)} at 14:00\n" in changed.body_text
    assert b"SEQUENCE:2" in changed.attachment


def test_a_booking_that_needs_approval_says_it_is_a_request(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    with app.app_context():
        detail_ops.set_booking_policy(db.session.get(Client, ann), "approval", None, owner.staff)
    day = future_day(5)
    booking_id = book(app, owner.staff, ann, massage, sam, day, "10:00")
    with app.app_context():
        assert db.session.get(Booking, booking_id).status == "pending"
    (request,) = emails(app)
    assert request.subject.startswith("Your booking request: Massage on ")
    assert "We have your booking request. We will confirm it with you soon." in request.body_text
    with app.app_context():
        status_flow.change_status(booking_id, "confirm", owner.staff)
    confirmed = emails(app)[-1]
    assert "Your session is confirmed.\n" in confirmed.body_text


def test_a_change_says_the_old_time_and_the_new(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    day, later = future_day(5), future_day(6)
    booking_id = book(app, owner.staff, ann, massage, sam, day, "10:00")
    with app.app_context():
        scheduling.reschedule(booking_id, sam, later, time(14, 0), owner.staff)
    changed = emails(app, kind="session_changed")[0]
    assert changed.subject == f"Your session has moved: Massage on {long_date(later)}"
    assert changed.body_text == (
        "Hi Ann,\n"
        "\n"
        f"Your session on {long_date(day)} at 10:00 has moved. Here is the new time:\n"
        "\n"
        "What: Massage\n"
        f"When: {long_date(later)} at 14:00\n"
        "With: Sam Practitioner\n"
        "Where: 1 High Street, London N1 1AA\n"
        "\n"
        "The calendar file attached updates your calendar.\n"
        "If the new time does not suit you, please let us know.\n"
        "\n" + FOOTER
    )
    assert b"DTSTART;TZID=Europe/London:" in changed.attachment
    assert b"SEQUENCE:2" in changed.attachment


def test_a_cancellation_reads_well_and_its_calendar_file_cancels(
    app, owner, client_factory, clinic
):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    day = future_day(5)
    booking_id = book(app, owner.staff, ann, massage, sam, day, "10:00")
    with app.app_context():
        status_flow.change_status(booking_id, "cancel", owner.staff, "Flu")
    cancelled = emails(app, kind="session_cancelled")[0]
    assert cancelled.subject == f"Your session is cancelled: Massage on {long_date(day)}"
    assert cancelled.body_text == (
        "Hi Ann,\n"
        "\n"
        "This session is cancelled:\n"
        "\n"
        "What: Massage\n"
        f"When: {long_date(day)} at 10:00\n"
        "With: Sam Practitioner\n"
        "Where: 1 High Street, London N1 1AA\n"
        "\n"
        "The calendar file attached removes it from your calendar.\n"
        "To book another time, just get in touch.\n"
        "\n" + FOOTER
    )
    assert "Flu" not in cancelled.body_text  # staff's reason is not the client's to read
    assert b"METHOD:CANCEL" in cancelled.attachment and b"STATUS:CANCELLED" in cancelled.attachment
    assert cancelled.attachment_type.startswith("text/calendar")


def test_a_late_cancellation_is_emailed_too(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    booking_id = book(app, owner.staff, ann, massage, sam, future_day(1), "16:00")
    with app.app_context():
        booking_settings.save({"late_cancel_hours": 24 * 7})
        status_flow.change_status(booking_id, "cancel", owner.staff)
        assert db.session.get(Booking, booking_id).late_cancellation
    assert [e.kind for e in emails(app)] == ["session_booked", "session_cancelled"]


def test_moving_in_from_the_waitlist_is_emailed_and_a_waitlist_place_cancelled_is_not(
    app, owner, client_factory, clinic
):
    sam, _massage = clinic
    yoga = service(app, owner.staff, name="Yoga", capacity=2)
    day = future_day()
    with app.app_context():
        service_settings.add_class_time(yoga, day.weekday(), time(18, 0), sam, owner.staff)
    ann = client_factory(first_name="Ann", email="ann@example.com")
    ben = client_factory(first_name="Ben", email="ben@example.com")
    cy = client_factory(first_name="Cy", email="cy@example.com")
    dee = client_factory(first_name="Dee")
    first = book(app, owner.staff, ann, yoga, None, day, "18:00")
    book(app, owner.staff, dee, yoga, None, day, "18:00")
    book(app, owner.staff, ben, yoga, None, day, "18:00", waitlist=True)
    third = book(app, owner.staff, cy, yoga, None, day, "18:00", waitlist=True)
    assert [e.to_address for e in emails(app)] == ["ann@example.com"]  # none for a waitlist
    with app.app_context():
        status_flow.change_status(first, "cancel", owner.staff)
        status_flow.change_status(third, "cancel", owner.staff)  # Cy leaves the waitlist
    moved = emails(app, to_address="ben@example.com")
    assert [e.kind for e in moved] == ["session_booked"]
    assert moved[0].body_text.startswith(
        "Hi Ben,\n\nGood news: a place opened up and you have moved in from the waitlist.\n"
        "\nYour session is booked.\n"
    )
    assert emails(app, to_address="cy@example.com") == []


def test_the_reminder_reads_well(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    tomorrow = future_day(1)
    book(app, owner.staff, ann, massage, sam, tomorrow, "09:30")
    evening = datetime.combine(tomorrow - timedelta(days=1), time(18, 5), LONDON)
    with app.app_context():
        assert queue_due_reminders(evening.astimezone(UTC)) == 1
    (reminder,) = emails(app, kind="session_reminder")
    assert reminder.subject == "Reminder: Massage tomorrow at 09:30"
    assert reminder.body_text == (
        "Hi Ann,\n"
        "\n"
        "A reminder of your session tomorrow:\n"
        "\n"
        "What: Massage\n"
        f"When: {long_date(tomorrow)} at 09:30\n"
        "With: Sam Practitioner\n"
        "Where: 1 High Street, London N1 1AA\n"
        "\n"
        "If you cannot come, please let us know as soon as you can.\n"
        "See you tomorrow!\n"
        "\n" + FOOTER
    )


def test_a_client_who_prefers_spanish_reads_spanish(app, owner, client_factory, clinic):
    sam, massage = clinic
    ana = client_factory(first_name="Ana", email="ana@example.com", preferred_language="es-MX")
    day = future_day(5)
    booking_id = book(app, owner.staff, ana, massage, sam, day, "10:00")
    with app.app_context():
        status_flow.change_status(booking_id, "cancel", owner.staff)
    booked, cancelled = emails(app)
    assert booked.language == "es"
    fecha = long_date(day, "es")
    assert booked.subject == f"Su sesión está reservada: Massage el {fecha}"
    assert booked.body_text == (
        "Hola, Ana:\n"
        "\n"
        "Su sesión está reservada.\n"
        "\n"
        "Qué: Massage\n"
        f"Cuándo: {fecha} a las 10:00\n"
        "Con: Sam Practitioner\n"
        "Dónde: 1 High Street, London N1 1AA\n"
        "\n"
        "El archivo de calendario adjunto la añade a su calendario.\n"
        "Si no puede venir, avísenos con la mayor antelación posible.\n"
        "\n" + FOOTER
    )
    assert '<html lang="es">' in booked.body_html and "Hola, Ana:" in booked.body_html
    assert cancelled.subject == f"Su sesión se ha cancelado: Massage el {fecha}"
    assert "Esta sesión se ha cancelado:" in cancelled.body_text


def test_a_language_without_a_translation_reads_english(app, owner, client_factory, clinic):
    sam, massage = clinic
    amelie = client_factory(
        first_name="Amélie", email="amelie@example.com", preferred_language="fr"
    )
    book(app, owner.staff, amelie, massage, sam, future_day(5), "10:00")
    (email,) = emails(app)
    assert email.language == "en" and email.body_text.startswith("Hi Amélie,")


# --- who gets an email ------------------------------------------------------------------


def test_no_email_for_a_client_without_an_address_or_for_a_past_session(
    app, owner, client_factory, clinic
):
    sam, massage = clinic
    nobody = client_factory(first_name="Nobody")
    book(app, owner.staff, nobody, massage, sam, future_day(5), "10:00")
    ann = client_factory(first_name="Ann", email="ann@example.com")
    with app.app_context():
        scheduling.add_past_session(
            ann, massage, sam, datetime.now(UTC) - timedelta(days=3), "completed"
        )
    assert emails(app) == []


def test_an_action_that_fails_leaves_no_email(app, owner, client_factory, clinic):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    day = future_day(5)
    book(app, owner.staff, ann, massage, sam, day, "10:00")
    with pytest.raises(checks.BookingRefused):
        book(app, owner.staff, ann, massage, sam, day, "10:00")  # the time is taken
    assert len(emails(app)) == 1


# --- Settings → Outbox ------------------------------------------------------------------


def _queue(app, count=1, **values):
    fields = {
        "to_address": "ann@example.com",
        "to_name": "Ann",
        "kind": "session_booked",
        "subject": "Hello",
        "text": "Plain words",
        "html": "<p>Plain words</p>",
    } | values
    with app.app_context(), write_transaction():
        ids = []
        for number in range(count):
            subject = fields["subject"] if count == 1 else f"{fields['subject']} {number}"
            ids.append(queue_email(**(fields | {"subject": subject})).id)
    return ids


def test_without_mail_url_messages_are_kept_and_shown_in_the_outbox(
    app, owner, client_factory, clinic
):
    sam, massage = clinic
    ann = client_factory(first_name="Ann", email="ann@example.com")
    book(app, owner.staff, ann, massage, sam, future_day(5), "10:00")
    (email,) = emails(app)
    assert email.status == "kept" and email.attempts == 0
    page = owner.get("/settings/outbox")
    assert page.status_code == 200
    assert '<h2 id="outbox-heading">Outbox</h2>' in page.text
    assert re.search(r'<a href="/settings/outbox"[^>]*aria-current="page">Outbox</a>', page.text)
    assert "No mail server is set (MAIL_URL)" in page.text
    assert "Your session is booked: Massage on" in page.text and "Kept in outbox" in page.text
    body = owner.get(f"/settings/outbox/{email.id}", hx=True)
    assert body.status_code == 200 and "<html" not in body.text
    assert f'<h3 id="message-{email.id}-heading">Your session is booked' in body.text
    assert "Hi Ann," in body.text and "Calm Clinic" in body.text
    whole = owner.get(f"/settings/outbox/{email.id}")
    assert "<html" in whole.text and "Back to the outbox" in whole.text
    assert "Hi Ann," in whole.text and "Send now</button>" not in whole.text
    html_part = owner.get(f"/settings/outbox/{email.id}/html")
    assert html_part.headers["Content-Security-Policy"].startswith("sandbox")
    assert "Hi Ann," in html_part.text


def test_a_kept_invitation_shows_its_link_until_it_is_sent(app, owner):
    link = "https://calm.example/me/welcome?token=abc&x=1"
    (email_id,) = _queue(
        app,
        kind="invitation",
        text=f"Open {LINK_PLACEHOLDER} to start.",
        html=f'<a href="{LINK_PLACEHOLDER}">Start</a>',
        secret_link=link,
        link_expires_at=utcnow() + timedelta(hours=24),
    )
    page = owner.get(f"/settings/outbox/{email_id}")
    assert "Open https://calm.example/me/welcome?token=abc&amp;x=1 to start." in page.text
    assert "Shown below until the message is sent; it works until" in page.text
    html_part = owner.get(f"/settings/outbox/{email_id}/html")
    assert 'href="https://calm.example/me/welcome?token=abc&amp;x=1"' in html_part.text
    # Once a mail server is set, the message leaves by itself: the outbox withholds it.
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"
    page = owner.get(f"/settings/outbox/{email_id}")
    assert "token=abc" not in page.text and LINK_WITHHELD in page.text
    assert "Not shown to staff; it works until" in page.text
    assert "token=abc" not in owner.get(f"/settings/outbox/{email_id}/html").text
    app.config["MAIL_URL"] = None
    with app.app_context(), write_transaction():
        email = db.session.get(OutgoingEmail, email_id)
        email.status, email.secret_link = "sent", None
    page = owner.get(f"/settings/outbox/{email_id}")
    assert "token=abc" not in page.text and LINK_REMOVED in page.text
    assert "Sent to the client; it works until" in page.text


def test_no_staff_role_reads_a_live_link_on_the_profile(app, login, client_factory):
    """The Messages tab says a link was sent and when it expires, never the link."""
    client_id = client_factory(first_name="Ann", email="ann@example.com")
    link = "https://calm.example/me/set-password?token=live-token-123"
    (email_id,) = _queue(
        app,
        client_id=client_id,
        kind="invitation",
        text=f"Open {LINK_PLACEHOLDER} to start.",
        html=f'<a href="{LINK_PLACEHOLDER}">Start</a>',
        secret_link=link,
        link_expires_at=utcnow() + timedelta(hours=24),
    )
    for role in ("owner", "manager", "front_desk", "practitioner"):
        member = login(role)
        pages = [
            member.get(f"/clients/{client_id}/messages"),
            member.get(f"/clients/{client_id}/messages", hx=True),
            member.get(f"/clients/{client_id}/messages/list"),
            member.get(f"/clients/{client_id}/messages/{email_id}"),
            member.get(f"/clients/{client_id}/messages/{email_id}", hx=True),
            member.get(f"/clients/{client_id}/messages/{email_id}/html"),
            member.get(f"/clients/{client_id}"),
            member.get(f"/clients/{client_id}/activity"),
        ]
        assert {page.status_code for page in pages} == {200}, role
        for page in pages:
            assert "live-token-123" not in page.text, (role, page.request.path)
        message = pages[3].text
        assert LINK_WITHHELD in message and "Not shown to staff; it works until" in message


@pytest.mark.parametrize(
    "role, status", [("manager", 200), ("front_desk", 403), ("practitioner", 403)]
)
def test_only_owners_and_managers_open_the_outbox(app, login, role, status):
    (email_id,) = _queue(app)
    member = login(role)
    assert member.get("/settings/outbox").status_code == status
    assert member.get(f"/settings/outbox/{email_id}").status_code == status
    assert member.get(f"/settings/outbox/{email_id}/html").status_code == status
    sent = member.post(f"/settings/outbox/{email_id}/send")
    assert sent.status_code == (409 if status == 200 else 403)  # no MAIL_URL here
    nav = member.get("/settings/labels").text if role == "manager" else ""
    assert ("Outbox" in nav) == (role == "manager")


def test_the_outbox_pages_newest_first_and_filters_by_status(app, owner):
    ids = _queue(app, count=55, subject="Message")
    with app.app_context(), write_transaction():
        db.session.get(OutgoingEmail, ids[0]).status = "failed"
    first = owner.get("/settings/outbox")
    subjects = re.findall(r">(Message \d+)</a>", first.text)
    assert subjects[:2] == ["Message 54", "Message 53"] and len(subjects) == 50
    more = re.search(r'hx-get="(/settings/outbox\?after=[^"]+)"', first.text)
    assert more, "no sentinel for the next page"
    rest = owner.get(more.group(1).replace("&amp;", "&"), hx=True)
    assert "<html" not in rest.text
    assert re.findall(r">(Message \d+)</a>", rest.text) == [
        f"Message {n}" for n in range(4, -1, -1)
    ]
    assert 'hx-trigger="revealed"' not in rest.text
    failed = owner.get("/settings/outbox?status=failed")
    assert re.findall(r">(Message \d+)</a>", failed.text) == ["Message 0"]
    assert owner.get("/settings/outbox?status=nonsense").status_code == 404
    assert owner.get("/settings/outbox?after=garbage").status_code == 400
    assert owner.get("/settings/outbox/999999").status_code == 404


def test_the_outbox_costs_the_same_whatever_it_holds(app, owner, count_queries):
    _queue(app, count=3)
    few = measure(count_queries, owner, "/settings/outbox", False)
    _queue(app, count=120)
    assert measure(count_queries, owner, "/settings/outbox", False) == few


# --- the Messages tab -------------------------------------------------------------------


def test_the_messages_tab_lists_the_clients_emails_and_pages_them(
    app, owner, client_factory, count_queries
):
    ann = client_factory(first_name="Ann", email="ann@example.com")
    other = client_factory(first_name="Ben", email="ben@example.com")
    ids = _queue(app, count=25, subject="Note", client_id=ann)
    (other_id,) = _queue(app, client_id=other, subject="For Ben")
    tab = owner.get(f"/clients/{ann}/messages")
    assert tab.status_code == 200 and 'id="tab-messages"' in tab.text
    assert re.search(r'id="tab-messages"[^>]*aria-selected="true"', tab.text)
    titles = re.findall(r'<span class="event-title">(Note \d+)</span>', tab.text)
    assert titles == [f"Note {n}" for n in range(24, 4, -1)]
    assert "For Ben" not in tab.text
    more = re.search(r'hx-get="(/clients/\d+/messages/list\?after=[^"]+)"', tab.text).group(1)
    rest = owner.get(more.replace("&amp;", "&"), hx=True)
    assert re.findall(r'<span class="event-title">(Note \d+)</span>', rest.text) == [
        f"Note {n}" for n in range(4, -1, -1)
    ]
    assert "Older messages" not in rest.text
    body = owner.get(f"/clients/{ann}/messages/{ids[3]}", hx=True)
    assert "Plain words" in body.text and "<html" not in body.text
    assert owner.get(f"/clients/{ann}/messages/{ids[3]}").text.count("<html") == 1
    assert owner.get(f"/clients/{ann}/messages/{other_id}").status_code == 404
    assert owner.get(f"/clients/{ann}/messages/{other_id}/html").status_code == 404
    assert owner.get(f"/clients/{ann}/messages/list?after=nope").status_code == 400
    assert owner.get("/clients/999999/messages").status_code == 404


def test_the_messages_tab_costs_what_it_declares(app, owner, client_factory, count_queries):
    few = client_factory(first_name="Few", email="few@example.com")
    many = client_factory(first_name="Many", email="many@example.com")
    _queue(app, count=2, client_id=few)
    _queue(app, count=60, client_id=many)
    costs = [measure(count_queries, owner, f"/clients/{c}/messages", True) for c in (few, many)]
    assert costs[0] == costs[1] == 2 + 1  # the session, the profile row, one page
    pages = [
        measure(count_queries, owner, f"/clients/{c}/messages/list", True) for c in (few, many)
    ]
    assert pages[0] == pages[1]


def test_every_staff_member_reads_a_clients_messages(app, login, client_factory):
    ann = client_factory(first_name="Ann", email="ann@example.com")
    (email_id,) = _queue(app, client_id=ann)
    for role in ("front_desk", "practitioner"):
        member = login(role)
        assert member.get(f"/clients/{ann}/messages").status_code == 200
        assert member.get(f"/clients/{ann}/messages/{email_id}").status_code == 200


# --- reminders ----------------------------------------------------------------------------


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


def test_reminders_go_once_after_the_hour_for_tomorrows_sessions_only(
    app, owner, client_factory, clinic
):
    sam, massage = clinic
    tomorrow = future_day(1)
    today = tomorrow - timedelta(days=1)
    ann = client_factory(first_name="Ann", email="ann@example.com")
    ben = client_factory(first_name="Ben", email="ben@example.com")
    nobody = client_factory(first_name="Nobody")
    cy = client_factory(first_name="Cy", email="cy@example.com")
    book(app, owner.staff, ann, massage, sam, tomorrow, "09:00")
    book(app, owner.staff, nobody, massage, sam, tomorrow, "11:00")
    cancelled = book(app, owner.staff, cy, massage, sam, tomorrow, "13:00")
    book(app, owner.staff, ben, massage, sam, future_day(2), "09:00")  # the day after
    with app.app_context():
        status_flow.change_status(cancelled, "cancel", owner.staff)
        booking_settings.save({"reminder_hour": 17})
        assert queue_due_reminders(_at(today, 16, 59)) == 0
        assert queue_due_reminders(_at(today, 17, 0)) == 1
        assert queue_due_reminders(_at(today, 21, 0)) == 0
    reminders = emails(app, kind="session_reminder")
    assert [r.to_address for r in reminders] == ["ann@example.com"]


def test_concurrent_reminder_runs_send_each_reminder_once(app, owner, client_factory, clinic):
    sam, massage = clinic
    tomorrow = future_day(1)
    for hour in (9, 10, 11, 12):
        client_id = client_factory(first_name=f"C{hour}", email=f"c{hour}@example.com")
        book(app, owner.staff, client_id, massage, sam, tomorrow, f"{hour:02d}:00")
    moment = _at(tomorrow - timedelta(days=1), 20)
    counts, errors = [], []

    def run():
        try:
            with app.app_context():
                counts.append(queue_due_reminders(moment))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (the assertion shows it)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(counts) == 4
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(OutgoingEmail.kind == "session_reminder"))
            == 4
        )


def test_the_reminder_hour_is_a_booking_rule(app, owner):
    page = owner.get("/settings/services")
    assert "Reminder emails go out the day before" in page.text and 'value="18"' in page.text
    bad = owner.post(
        "/settings/services/rules",
        {
            "late_cancel_hours": "24",
            "no_show_limit": "0",
            "no_show_days": "90",
            "reminder_hour": "25",
            "business_name": "Calm Clinic",
            "business_address": "1 High Street",
        },
    )
    assert bad.status_code == 422 and "An hour from 0 to 23." in bad.text
    assert 'value="Calm Clinic"' in bad.text  # nothing typed is lost
    good = owner.post(
        "/settings/services/rules",
        {
            "late_cancel_hours": "24",
            "no_show_limit": "0",
            "no_show_days": "90",
            "reminder_hour": "7",
            "business_name": "Calm  Clinic",
            "business_address": "1 High Street\r\nLondon",
        },
    )
    assert good.status_code == 200
    with app.app_context():
        assert booking_settings.reminder_hour() == 7
        from app.mail.business import business_details

        assert business_details().name == "Calm Clinic"
        assert business_details().address_lines == ["1 High Street", "London"]


# --- export, erasure, merge ------------------------------------------------------------------


def test_messages_are_exported_erased_and_moved_by_a_merge(app, owner, client_factory):
    ann = client_factory(first_name="Ann", last_name="Lee", email="ann@example.com")
    twin = client_factory(first_name="Ann", last_name="Lee", email="ann@example.com")
    _queue(app, client_id=ann, subject="First")
    _queue(
        app,
        client_id=twin,
        subject="Second",
        kind="invitation",
        text=f"Open {LINK_PLACEHOLDER}",
        secret_link="https://calm.example/secret",
        link_expires_at=utcnow() + timedelta(hours=24),
    )
    with app.app_context():
        exported = client_export(db.session.get(Client, twin))["messages"]
    assert [(m["subject"], m["status"]) for m in exported] == [("Second", "kept")]
    assert "secret" not in exported[0]["text"] and exported[0]["kind"] == "invitation"

    with app.app_context():
        survivor, other = db.session.get(Client, ann), db.session.get(Client, twin)
        merge_clients(ann, [twin], default_choices(survivor, [other]), owner.staff)
    assert {e.subject for e in emails(app, client_id=ann)} == {"First", "Second"}

    with app.app_context():
        privacy_ops.erase_client(db.session.get(Client, ann), "Ann Lee", owner.staff)
    assert emails(app) == []
