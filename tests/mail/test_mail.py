"""Email that really leaves: delivered through a real SMTP server on loopback (aiosmtpd),
read as it arrived — both parts, the footer, the calendar file, the headers — with
retries, never twice, and no header a client's name could add."""

import socket
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.bookings import settings as booking_settings
from app.core.database import write_transaction
from app.core.extensions import db
from app.mail.business import save_business_details
from app.mail.delivery import deliver
from app.mail.outbox import LINK_REMOVED, bodies_for_display, queue_email
from app.models import LINK_PLACEHOLDER, OutgoingEmail, utcnow
from tests.conftest import BASE_CONFIG  # noqa: F401  (the app's settings under test)
from tests.helpers.bookings import book, future_day, practitioner, service

SENDER = "hello@calm.example"


class Inbox:
    """What the server received; `refusals` are replies given before accepting."""

    def __init__(self):
        self.envelopes = []
        self.refusals: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def app(make_app, inbox):
    return make_app(
        MAIL_URL=f"smtp://127.0.0.1:{inbox.port}",
        MAIL_FROM=SENDER,
        MAIL_RETRY_DELAYS=[0.3, 0.3],
    )


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not come true in time")


def email_row(app, email_id):
    with app.app_context():
        email = db.session.get(OutgoingEmail, email_id)
        db.session.expunge(email)
        return email


def wait_for_status(app, email_id, *statuses):
    return wait_for(
        lambda: (row := email_row(app, email_id)).status in statuses and row  # noqa: B023
    )


def queue(app, **values):
    fields = {
        "to_address": "ann@example.com",
        "to_name": "Ann Example",
        "kind": "session_booked",
        "subject": "Hello",
        "text": "Plain words\n",
        "html": "<p>Plain words</p>",
    } | values
    with app.app_context():
        with write_transaction():
            email = queue_email(**fields)
        return email.id


def parts(message):
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_booking_email_arrives_with_both_parts_the_footer_and_the_calendar_file(
    app, owner, client_factory, inbox, job_worker
):
    with app.app_context():
        save_business_details("Calm Clinic", "1 High Street\nLondon N1 1AA")
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    ann = client_factory(first_name="Ann", last_name="Lee", email="ann@example.com")
    booking_id = book(app, owner.staff, ann, massage, sam.id, future_day(3), "10:00")

    wait_for(lambda: inbox.envelopes)
    (envelope,), (message,) = inbox.envelopes, inbox.messages
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["ann@example.com"]
    assert message["From"] == f"Calm Clinic <{SENDER}>"
    assert message["To"] == "Ann Lee <ann@example.com>"
    assert message["Subject"].startswith("Your session is booked: Massage on ")
    assert message["Message-ID"] and message["Date"]
    text, html = parts(message)
    assert text.startswith("Hi Ann,\n\nYour session is booked.\n\nWhat: Massage\n")
    assert "What: Massage\n" in text and "With: Sam Practitioner\n" in text
    assert "Where: 1 High Street, London N1 1AA" in text
    assert text.rstrip().endswith("--\nCalm Clinic\n1 High Street\nLondon N1 1AA")
    assert "Hi Ann," in html and "Calm Clinic" in html and "London N1 1AA" in html
    # No tracking pixel, no remote image or stylesheet.
    assert "<img" not in html and "http" not in html and "url(" not in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"session-{booking_id}.ics"
    assert attachment.get_content_type() == "text/calendar"
    calendar = attachment.get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "BEGIN:VEVENT" in calendar and "SUMMARY:Massage" in calendar
    assert f"UID:session-{booking_id}@clientele" in calendar

    with app.app_context():
        row = db.session.scalars(select(OutgoingEmail)).one()
    row = wait_for_status(app, row.id, "sent")
    assert row.attempts == 1 and row.sent_at is not None and row.last_error is None
    assert row.booking_id == booking_id and row.client_id == ann
    # Composed as it left, and kept as sent: the draft gives way to the bodies.
    assert row.draft is None
    assert row.body_text == text
    assert row.body_html.strip() == html.replace("\r\n", "\n").strip()
    assert f"UID:session-{booking_id}@clientele" in row.attachment.decode()


def test_a_temporary_refusal_is_retried_then_delivered_once(app, inbox, job_worker):
    inbox.refusals = ["451 4.3.0 Try again later"]
    email_id = queue(app)
    row = wait_for_status(app, email_id, "sent")
    assert row.attempts == 2
    assert len(inbox.envelopes) == 1


def test_between_attempts_the_reason_and_the_next_attempt_are_kept(app, inbox):
    inbox.refusals = ["451 4.3.0 Greylisted"]
    email_id = queue(app)
    with app.app_context():
        assert deliver(email_id) == "queued"
    row = email_row(app, email_id)
    assert row.status == "queued" and row.attempts == 1
    assert "451" in row.last_error and "Greylisted" in row.last_error
    assert row.next_attempt_at is not None
    with app.app_context():
        assert deliver(email_id) == "sent"
    assert email_row(app, email_id).attempts == 2 and len(inbox.envelopes) == 1


def test_when_retries_run_out_the_message_fails_with_the_reason(app, inbox, job_worker):
    inbox.refusals = ["451 4.3.0 Busy"] * 3
    email_id = queue(app)
    row = wait_for_status(app, email_id, "failed")
    assert row.attempts == 3  # the first and one per delay in MAIL_RETRY_DELAYS
    assert "451" in row.last_error and inbox.envelopes == []


def test_a_permanent_refusal_fails_at_once(app, inbox):
    inbox.refusals = ["550 5.1.1 No such mailbox"]
    email_id = queue(app)
    with app.app_context():
        assert deliver(email_id) == "failed"
    row = email_row(app, email_id)
    assert row.attempts == 1 and "550" in row.last_error


def test_an_unreachable_server_is_retried(make_app):
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{_free_port()}", MAIL_RETRY_DELAYS=[60])
    email_id = queue(app)
    with app.app_context():
        assert deliver(email_id) == "queued"
    row = email_row(app, email_id)
    assert "Could not reach the mail server" in row.last_error


def test_a_message_is_never_sent_twice_even_when_its_task_runs_twice(app, inbox):
    email_id = queue(app)
    results = []

    def attempt():
        with app.app_context():
            results.append(deliver(email_id))
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert deliver(email_id) is None  # already sent: not ours to send
    assert sorted(results, key=str) == sorted(["sent", None, None], key=str)
    assert len(inbox.envelopes) == 1


def test_a_rolled_back_action_sends_nothing(app, inbox, job_worker):
    with app.app_context():
        with pytest.raises(RuntimeError), write_transaction():
            queue_email(
                to_address="ann@example.com",
                to_name="Ann",
                kind="session_booked",
                subject="Never",
                text="x",
                html="x",
            )
            raise RuntimeError("the action failed")
        assert db.session.scalar(select(OutgoingEmail.id)) is None
    time.sleep(0.5)
    assert inbox.envelopes == []


def test_header_injection_in_a_clients_name_adds_no_header(
    app, owner, client_factory, inbox, job_worker
):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    ann = client_factory(
        first_name="Ann\r\nBcc: x@example.com", last_name="Lee\nX-Evil: 1", email="ann@example.com"
    )
    book(app, owner.staff, ann, massage, sam.id, future_day(3), "10:00")
    wait_for(lambda: inbox.envelopes)
    (envelope,), (message,) = inbox.envelopes, inbox.messages
    assert envelope.rcpt_tos == ["ann@example.com"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    raw_headers = envelope.content.split(b"\r\n\r\n", 1)[0].decode()
    assert "\nBcc:" not in raw_headers and "\nX-Evil" not in raw_headers
    assert "x@example.com" in message["To"]  # kept as words of the name, on one line
    assert message["To"].addresses[0].addr_spec == "ann@example.com"


def test_markup_in_a_clients_name_is_escaped_in_the_html_part(
    app, owner, client_factory, inbox, job_worker
):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff, name="<i>Massage</i>")
    ann = client_factory(
        first_name='<b onmouseover="x()">Ann</b><script>alert(1)</script>',
        email="ann@example.com",
    )
    book(app, owner.staff, ann, massage, sam.id, future_day(3), "10:00")
    wait_for(lambda: inbox.envelopes)
    (message,) = inbox.messages
    text, html = parts(message)
    assert "<script>" not in html and "<b " not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;i&gt;Massage&lt;/i&gt;" in html
    # Plain text is shown as text by every mail reader: the name as typed.
    assert 'Hi <b onmouseover="x()">Ann</b><script>alert(1)</script>,' in text
    assert "<i>Massage</i>" in message["Subject"]


def test_a_single_use_link_is_put_in_at_delivery_and_cleared_after(app, inbox, job_worker):
    link = "https://calm.example/me/welcome?token=abc123&lang=en"
    email_id = queue(
        app,
        kind="invitation",
        text=f"Open {LINK_PLACEHOLDER} to start.\n",
        html=f'<p><a href="{LINK_PLACEHOLDER}">Start</a></p>',
        secret_link=link,
        link_expires_at=utcnow() + timedelta(hours=24),
    )
    with app.app_context():
        stored = db.session.get(OutgoingEmail, email_id)
        assert link not in stored.body_text and link not in stored.body_html
    wait_for(lambda: inbox.envelopes)
    text, html = parts(inbox.messages[0])
    assert f"Open {link} to start." in text
    assert 'href="https://calm.example/me/welcome?token=abc123&amp;lang=en"' in html
    row = wait_for_status(app, email_id, "sent")
    assert row.secret_link is None
    shown_text, shown_html = bodies_for_display(row)
    assert link not in shown_text and LINK_REMOVED in shown_text


def test_a_kept_message_is_sent_from_the_outbox_once_mail_is_set(app, owner, inbox, job_worker):
    url = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = None
    email_id = queue(app, subject="Kept for later")
    assert email_row(app, email_id).status == "kept"
    refused = owner.post(f"/settings/outbox/{email_id}/send")
    assert refused.status_code == 409 and "MAIL_URL" in refused.text
    app.config["MAIL_URL"] = url
    sent = owner.post(f"/settings/outbox/{email_id}/send")
    assert sent.status_code == 303
    wait_for_status(app, email_id, "sent")
    assert [m["Subject"] for m in inbox.messages] == ["Kept for later"]
    again = owner.post(f"/settings/outbox/{email_id}/send")
    assert again.status_code == 409 and "already" in again.text


def test_the_page_answers_before_the_mail_server_does(app, owner, client_factory, inbox):
    """No job consumer runs here: the booking is made and answered, the email waits."""
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    ann = client_factory(first_name="Ann", email="ann@example.com")
    book(app, owner.staff, ann, massage, sam.id, future_day(3), "10:00")
    time.sleep(0.3)
    assert inbox.envelopes == []
    with app.app_context():
        assert db.session.scalars(select(OutgoingEmail.status)).all() == ["queued"]


def test_a_spanish_email_with_accented_names_arrives_readable(
    app, owner, client_factory, inbox, job_worker
):
    with app.app_context():
        save_business_details("Clínica Calma", "Calle Mayor 1\nMadrid")
    sam = practitioner(app, owner.staff, name="Íñigo Núñez")
    massage = service(app, owner.staff, name="Masaje")
    ana = client_factory(
        first_name="José", last_name="Muñoz", email="jose@example.com", preferred_language="es"
    )
    book(app, owner.staff, ana, massage, sam.id, future_day(3), "10:00")
    wait_for(lambda: inbox.envelopes)
    (message,) = inbox.messages
    assert message["From"] == f"Clínica Calma <{SENDER}>"
    assert message["To"] == "José Muñoz <jose@example.com>"
    assert message["Subject"].startswith("Su sesión está reservada: Masaje el ")
    text, html = parts(message)
    assert text.startswith("Hola, José:\n\nSu sesión está reservada.\n")
    assert "Con: Íñigo Núñez" in text and text.rstrip().endswith(
        "Clínica Calma\nCalle Mayor 1\nMadrid"
    )
    assert '<html lang="es">' in html


def test_the_hourly_task_queues_the_reminders_that_are_due(app, owner, client_factory, inbox):
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    ann = client_factory(first_name="Ann", email="ann@example.com")
    book(app, owner.staff, ann, massage, sam.id, future_day(1), "10:00")
    with app.app_context():
        booking_settings.save({"reminder_hour": 0})  # any hour of today has passed it
    _deliver_task, hourly_task = app.extensions["clientele.mail.tasks"]
    hourly_task.call_local()
    hourly_task.call_local()
    with app.app_context():
        kinds = db.session.scalars(select(OutgoingEmail.kind).order_by(OutgoingEmail.id)).all()
    assert kinds == ["session_booked", "session_reminder"]
