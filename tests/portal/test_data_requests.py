"""Data-rights requests: a client asks from their page (download, correction, deletion),
staff decide in Settings → Requests, the client is emailed the outcome; with the
attacks on each (another client's ids, expired links, two staff at once, markup)."""

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.extensions import db
from app.models import (
    Activity,
    Client,
    ClientAccount,
    ClientSession,
    DataRequest,
    OutgoingEmail,
    utcnow,
)
from app.portal import realm
from tests.conftest import csrf_token_from
from tests.helpers import bookings as bh


def sign_in_client(app, client_id, language=None):
    """A browser signed in to this client's page: an active account and a session row
    (only its digest stored), as the sign-in page would leave them."""
    from app.auth.passwords import hash_password

    token = f"test-token-{client_id}-{id(app)}"
    with app.app_context():
        client = db.session.get(Client, client_id)
        if language:
            client.preferred_language = language
        account = ClientAccount(
            client_id=client_id,
            email=client.email or f"client{client_id}@example.com",
            password_hash=hash_password("a long client secret"),
            activated_at=utcnow(),
        )
        db.session.add(account)
        db.session.flush()
        db.session.add(ClientSession(id=realm.token_digest(token), account_id=account.id))
        db.session.commit()
    browser = app.test_client()
    browser.set_cookie(realm.COOKIE_NAME, token, path="/me")
    return browser


def post_with_token(browser, url, page_url, data=None):
    page = browser.get(page_url)
    assert page.status_code == 200, page.text
    return browser.post(url, data={"csrf_token": csrf_token_from(page.text), **(data or {})})


def ask(browser, kind):
    url = f"/me/requests/{kind}"
    return post_with_token(browser, url, url)


def requests_of(app, client_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(DataRequest)
                .where(DataRequest.client_id == client_id)
                .order_by(DataRequest.id)
            )
        )


def emails_to(app, address):
    with app.app_context():
        rows = db.session.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == address)
            .order_by(OutgoingEmail.id)
        ).all()
        return [
            (row.kind, row.subject, row.body_text, row.secret_link, row.client_id) for row in rows
        ]


def verbs_of(app, client_id):
    with app.app_context():
        return db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
        ).all()


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def amara_browser(app, amara):
    return sign_in_client(app, amara)


# --- download ------------------------------------------------------------------------


def test_download_asked_approved_and_fetched(app, amara, amara_browser, owner):
    page = amara_browser.get("/me")
    assert page.status_code == 200
    for name in ("Your data", "Download my data", "Suggest a correction", "Ask to delete my data"):
        assert name in page.text

    confirm = amara_browser.get("/me/requests/download")
    assert "Yes, ask for my data" in confirm.text
    response = ask(amara_browser, "download")
    assert response.status_code == 303 and response.location.endswith("/me#your-data")
    again = ask(amara_browser, "download")
    assert again.status_code == 409
    assert "already asked" in again.text
    (data_request,) = requests_of(app, amara)
    assert data_request.kind == "download" and data_request.status == "open"
    assert "Waiting for a reply" in amara_browser.get("/me").text

    queue = owner.get("/settings/requests")
    assert queue.status_code == 200
    assert "Amara Okafor" in queue.text and "Download my data" in queue.text
    assert f'href="/clients/{amara}"' in queue.text

    approved = owner.post(f"/settings/requests/{data_request.id}/approve")
    assert approved.status_code == 303, approved.text
    (data_request,) = requests_of(app, amara)
    assert data_request.status == "approved" and data_request.download_digest
    assert data_request.download_expires_at - utcnow() > timedelta(days=6)

    ((kind, subject, text, link, client_id),) = emails_to(app, "amara@example.com")
    assert kind == "request_outcome" and client_id == amara
    assert subject == "Your data is ready to download"
    assert "[[link]]" in text and link not in text  # the link is never in the stored body
    assert realm.token_digest(link.split("token=")[1]) == data_request.download_digest

    download = amara_browser.get(path_of(link))
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    exported = json.loads(download.data)
    assert exported["profile"]["first_name"] == "Amara"
    assert exported["data_requests"][0]["kind"] == "download"
    assert verbs_of(app, amara)[-3:] == ["request.made", "request.approved", "request.downloaded"]
    assert "Approved" in amara_browser.get("/me").text


def approved_download(app, client_id, owner, browser):
    assert ask(browser, "download").status_code == 303
    (data_request, *_) = [r for r in requests_of(app, client_id) if r.kind == "download"]
    assert owner.post(f"/settings/requests/{data_request.id}/approve").status_code == 303
    with app.app_context():
        link = db.session.scalars(
            select(OutgoingEmail.secret_link)
            .where(OutgoingEmail.client_id == client_id)
            .order_by(OutgoingEmail.id.desc())
        ).first()
    return data_request.id, path_of(link)


def test_download_link_needs_its_client_token_and_time(
    app, amara, amara_browser, owner, client_factory
):
    request_id, link = approved_download(app, amara, owner, amara_browser)
    assert amara_browser.get(link).status_code == 200

    # Another client, signed in, with Amara's whole link: nothing.
    other = client_factory(first_name="Bea", email="bea@example.com")
    bea = sign_in_client(app, other)
    assert bea.get(link).status_code == 404
    # No client session (a staff one counts for nothing): the sign-in page.
    assert app.test_client().get(link).status_code == 302
    staff_page = owner.get(link)
    assert staff_page.status_code == 302 and "/me/login" in staff_page.location
    # The wrong token, no token, another id.
    assert amara_browser.get(f"/me/requests/{request_id}/download?token=nope").status_code == 404
    assert amara_browser.get(f"/me/requests/{request_id}/download").status_code == 404
    token = link.split("token=")[1]
    assert (
        amara_browser.get(f"/me/requests/{request_id + 1}/download?token={token}").status_code
        == 404
    )
    # Expired.
    with app.app_context():
        db.session.execute(
            update(DataRequest).values(download_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    expired = amara_browser.get(link)
    assert expired.status_code == 404
    assert "Amara" not in expired.text


def test_a_client_reaches_no_other_clients_request(
    app, amara, amara_browser, owner, client_factory
):
    other = client_factory(first_name="Bea", email="bea@example.com")
    bea = sign_in_client(app, other)
    request_id, link = approved_download(app, other, owner, bea)
    token = link.split("token=")[1]
    for url in (
        link,
        f"/me/requests/{request_id}/download",
        f"/me/requests/{request_id}/download?token=x",
    ):
        assert amara_browser.get(url).status_code == 404, url
    # What Amara sees of requests is hers alone.
    page = amara_browser.get("/me").text
    assert "Your requests" not in page
    assert token not in page


# --- correction -------------------------------------------------------------------------


def test_correction_through_the_edit_path(app, amara, amara_browser, owner):
    form = amara_browser.get("/me/requests/correction")
    assert form.status_code == 200
    assert 'value="London"' in form.text and 'value="Amara"' in form.text
    token = csrf_token_from(form.text)
    values = {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": "amara@example.com",
        "phone": "not a phone",
        "whatsapp": "+33 6 12 34 56 78",
        "birth_date": "1990-04-12",
        "preferred_language": "fr",
        "address": "12 Baker Street",
        "city": "Manchester",
        "state": "",
        "postal_code": "NW1 6XE",
        "country": "GB",
        "csrf_token": token,
    }
    bad = amara_browser.post("/me/requests/correction", data=values)
    assert bad.status_code == 422
    assert 'id="phone-error"' in bad.text
    assert 'value="Manchester"' in bad.text and 'value="not a phone"' in bad.text
    assert requests_of(app, amara) == []

    values["phone"] = "020 7946 0000"
    good = amara_browser.post("/me/requests/correction", data=values)
    assert good.status_code == 303, good.text
    (data_request,) = requests_of(app, amara)
    stored = json.loads(data_request.proposed)
    assert stored == {
        "phone": ["+442079460958", "+442079460000"],
        "city": ["London", "Manchester"],
    }

    queue = owner.get("/settings/requests")
    assert "Suggest a correction" in queue.text
    assert "London" in queue.text and "Manchester" in queue.text

    # Staff accept the city only.
    with app.app_context():
        version = db.session.get(Client, amara).version
    response = owner.post(
        f"/settings/requests/{data_request.id}/approve",
        data={
            f"approve-{data_request.id}-fields": ["city"],
            f"approve-{data_request.id}-version": str(version),
            f"approve-{data_request.id}-note": "Welcome to Manchester",
        },
    )
    assert response.status_code == 303, response.text
    with app.app_context():
        client = db.session.get(Client, amara)
        assert client.city == "Manchester" and client.phone == "+442079460958"
        update_event = db.session.scalars(
            select(Activity).where(Activity.client_id == amara, Activity.verb == "client.updated")
        ).one()
        assert update_event.changes == {"city": ["London", "Manchester"]}
        assert (update_event.subject_type, update_event.subject_id) == (
            "DataRequest",
            data_request.id,
        )
    (data_request,) = requests_of(app, amara)
    assert data_request.status == "approved"
    ((_kind, subject, text, link, _client_id),) = emails_to(app, "amara@example.com")
    assert subject == "Your details have been corrected"
    assert "City" in text and "Welcome to Manchester" in text and link is None


def test_correction_with_nothing_changed_is_refused(app, amara, amara_browser):
    form = amara_browser.get("/me/requests/correction")
    data = {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": "amara@example.com",
        "phone": "+442079460958",
        "whatsapp": "+33612345678",
        "birth_date": "1990-04-12",
        "preferred_language": "fr",
        "address": "12 Baker Street",
        "city": "London",
        "postal_code": "NW1 6XE",
        "country": "GB",
        "csrf_token": csrf_token_from(form.text),
    }
    response = amara_browser.post("/me/requests/correction", data=data)
    assert response.status_code == 422
    assert "not changed anything" in response.text


def make_correction(app, client_id, **values):
    from app.portal.requests import asking

    with app.app_context():
        return asking.suggest_correction(db.session.get(Client, client_id), values).id


def test_correction_shows_a_profile_changed_since_and_a_stale_approval_is_409(app, amara, owner):
    from app.clients import detail_ops

    request_id = make_correction(app, amara, city="Leeds")
    with app.app_context():
        seen = db.session.get(Client, amara).version
        detail_ops.update_client(db.session.get(Client, amara), {"city": "York"}, owner.staff)
    queue = owner.get("/settings/requests")
    assert "Changed since the client asked" in queue.text and "York" in queue.text

    # Approved from a page loaded before a colleague changed the city again.
    with app.app_context():
        detail_ops.update_client(db.session.get(Client, amara), {"city": "Bath"}, owner.staff)
    stale = owner.post(
        f"/settings/requests/{request_id}/approve",
        data={
            f"approve-{request_id}-fields": ["city"],
            f"approve-{request_id}-version": str(seen + 1),
        },
    )
    assert stale.status_code == 409
    assert "changed while this page was open" in stale.text
    assert requests_of(app, amara)[0].status == "open"
    with app.app_context():
        assert db.session.get(Client, amara).city == "Bath"


def test_approving_with_no_field_ticked_asks_for_one(app, amara, owner):
    request_id = make_correction(app, amara, city="Leeds")
    response = owner.post(f"/settings/requests/{request_id}/approve", data={})
    assert response.status_code == 422
    assert "Tick at least one field" in response.text
    assert requests_of(app, amara)[0].status == "open"


# --- deletion ---------------------------------------------------------------------------


def test_deletion_refused_with_upcoming_sessions_then_erased(app, amara, amara_browser, owner):
    practitioner = bh.practitioner(app, owner.staff)
    service_id = bh.service(app, owner.staff)
    booking_id = bh.book(app, owner.staff, amara, service_id, practitioner.id, bh.future_day())
    assert "Yes, ask to delete my data" in amara_browser.get("/me/requests/deletion").text
    assert ask(amara_browser, "deletion").status_code == 303
    assert ask(amara_browser, "deletion").status_code == 409
    (data_request,) = requests_of(app, amara)

    refused = owner.post(f"/settings/requests/{data_request.id}/approve")
    assert refused.status_code == 422
    assert "1 upcoming session" in refused.text
    assert requests_of(app, amara)[0].status == "open"

    from app.bookings import status_flow

    with app.app_context():
        status_flow.change_status(booking_id, "cancel", owner.staff, "Moving away")
    approved = owner.post(f"/settings/requests/{data_request.id}/approve")
    assert approved.status_code == 303, approved.text
    with app.app_context():
        client = db.session.get(Client, amara)
        assert client.is_erased and client.email is None
    assert requests_of(app, amara) == []
    # The outcome went out before the address was erased, and is kept deliverable.
    ((kind, subject, text, _link, client_id),) = emails_to(app, "amara@example.com")
    assert kind == "request_outcome" and client_id is None
    assert subject == "Your data has been deleted"
    assert "Okafor" not in text
    # Her page is gone with her data.
    assert amara_browser.get("/me").status_code == 302


def test_only_an_owner_approves_a_deletion(app, amara, amara_browser, login):
    manager = login("manager")
    assert ask(amara_browser, "deletion").status_code == 303
    (data_request,) = requests_of(app, amara)
    queue = manager.get("/settings/requests")
    assert queue.status_code == 200
    assert "Only an owner can approve a deletion" in queue.text
    assert manager.post(f"/settings/requests/{data_request.id}/approve").status_code == 403
    # A manager may still decline it.
    declined = manager.post(
        f"/settings/requests/{data_request.id}/decline",
        data={f"decline-{data_request.id}-reason": "We must keep invoices for six years."},
    )
    assert declined.status_code == 303


# --- declining, permissions, concurrency, escaping ---------------------------------------


def test_decline_needs_a_reason_and_tells_the_client(app, amara, amara_browser, owner):
    assert ask(amara_browser, "download").status_code == 303
    (data_request,) = requests_of(app, amara)
    empty = owner.post(f"/settings/requests/{data_request.id}/decline", data={})
    assert empty.status_code == 422
    assert "Say why the request is declined" in empty.text
    declined = owner.post(
        f"/settings/requests/{data_request.id}/decline",
        data={f"decline-{data_request.id}-reason": "Please ask at the desk"},
    )
    assert declined.status_code == 303
    ((_kind, subject, text, _link, _client_id),) = emails_to(app, "amara@example.com")
    assert subject == "About your request: Download my data"
    assert "Please ask at the desk" in text
    page = amara_browser.get("/me").text
    assert "Declined" in page and "Please ask at the desk" in page
    assert verbs_of(app, amara)[-2:] == ["request.made", "request.declined"]
    # Decided already: a second decision is a 409 saying who decided.
    again = owner.post(f"/settings/requests/{data_request.id}/approve")
    assert again.status_code == 409
    assert "declined this request meanwhile" in again.text


@pytest.mark.parametrize("role", ["front_desk", "practitioner"])
def test_queue_is_for_owner_and_manager(app, amara, login, role):
    request_id = make_correction(app, amara, city="Leeds")
    browser = login(role)
    assert browser.get("/settings/requests").status_code == 403
    assert browser.post(f"/settings/requests/{request_id}/approve").status_code == 403
    assert browser.post(f"/settings/requests/{request_id}/decline").status_code == 403
    assert "/settings/requests" not in browser.get("/clients").text


def test_unknown_request_is_404(owner):
    assert owner.post("/settings/requests/999/approve").status_code == 404
    assert owner.post("/settings/requests/999/decline").status_code == 404


def test_client_forms_need_csrf(app, amara, amara_browser):
    assert amara_browser.post("/me/requests/download").status_code == 400
    assert amara_browser.post("/me/requests/deletion").status_code == 400
    assert amara_browser.post("/me/requests/correction", data={"city": "X"}).status_code == 400
    assert requests_of(app, amara) == []


def test_me_routes_need_a_client_session(app, owner):
    for url in ("/me/requests/download", "/me/requests/deletion", "/me/requests/correction"):
        response = owner.get(url)
        assert response.status_code == 302 and "/me/login" in response.location


def test_two_staff_approving_at_once(app, amara, owner, login):
    """Both load the open request, both approve: one wins, one is told, one email."""
    from app.portal.requests import asking, deciding

    manager = login("manager")
    with app.app_context():
        data_request = asking.ask(db.session.get(Client, amara), "download")
        request_id = data_request.id
    outcomes = []
    barrier = threading.Barrier(2)

    def approve(staff):
        with app.test_request_context():
            loaded = db.session.get(DataRequest, request_id)
            barrier.wait()
            try:
                deciding.approve_download(loaded, None, staff)
                outcomes.append("approved")
            except deciding.AlreadyDecided:
                outcomes.append("already")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(s,)) for s in (owner.staff, manager.staff)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "approved"]
    assert len(emails_to(app, "amara@example.com")) == 1
    assert verbs_of(app, amara).count("request.approved") == 1


def test_markup_in_names_and_proposed_values_is_escaped(app, client_factory, owner):
    evil = client_factory(
        first_name="<script>alert(1)</script>", last_name="<b>Bold</b>", email="evil@example.com"
    )
    make_correction(app, evil, city="<img src=x onerror=alert(2)>")
    browser = sign_in_client(app, evil)
    queue = owner.get("/settings/requests").text
    assert "<script>alert(1)</script>" not in queue and "<img src=x" not in queue
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue
    assert "&lt;img src=x onerror=alert(2)&gt;" in queue
    page = browser.get("/me/requests/correction").text
    assert "<script>alert(1)</script>" not in page


def test_spanish_for_a_spanish_client(app, amara, owner):
    browser = sign_in_client(app, amara, language="es")
    page = browser.get("/me").text
    assert "Tus datos" in page and "Descargar mis datos" in page
    assert "Sugerir una corrección" in page and "Pedir que borren mis datos" in page
    form = browser.get("/me/requests/correction").text
    assert "Ciudad" in form
    assert ask(browser, "download").status_code == 303
    (data_request,) = requests_of(app, amara)
    owner.post(
        f"/settings/requests/{data_request.id}/decline",
        data={f"decline-{data_request.id}-reason": "Ven a recepción"},
    )
    ((_kind, subject, text, _link, _client_id),) = emails_to(app, "amara@example.com")
    assert subject == "Sobre tu solicitud: Descargar mis datos"
    assert "Hola, Amara:" in text and "Ven a recepción" in text


def test_queue_renders_in_a_fixed_number_of_queries(app, client_factory, owner, count_queries):
    def measure():
        with count_queries() as queries:
            response = owner.get("/settings/requests")
        assert response.status_code == 200
        return len(queries)

    first = client_factory(first_name="One", email="one@example.com")
    make_correction(app, first, city="Leeds")
    small = measure()
    for number in range(5):
        other = client_factory(first_name=f"Client{number}", email=f"c{number}@example.com")
        make_correction(app, other, city=f"Town {number}")
    with app.app_context():
        from app.portal.requests import asking

        asking.ask(db.session.get(Client, first), "download")
    assert measure() == small


def test_requests_are_exported_erased_and_merged_with_the_client(app, amara, owner, client_factory):
    from app.clients import privacy_ops
    from app.core.export import client_export

    make_correction(app, amara, city="Leeds")
    with app.app_context():
        exported = client_export(db.session.get(Client, amara))
        assert exported["data_requests"][0]["kind"] == "correction"
        client = db.session.get(Client, amara)
        privacy_ops.erase_client(client, client.full_name, owner.staff)
    assert requests_of(app, amara) == []


def test_requests_and_outcomes_are_in_the_timeline(app, amara, amara_browser, owner):
    assert ask(amara_browser, "download").status_code == 303
    (data_request,) = requests_of(app, amara)
    owner.post(
        f"/settings/requests/{data_request.id}/decline",
        data={f"decline-{data_request.id}-reason": "Ask at the desk"},
    )
    timeline = owner.get(f"/clients/{amara}/activity/timeline").text
    assert "Data request made" in timeline and "by the client" in timeline
    assert "Data request declined" in timeline and "Ask at the desk" in timeline


def test_a_merge_moves_the_requests_to_the_survivor(app, amara, owner, client_factory):
    from app.data.merge import default_choices, merge_clients

    twin = client_factory(first_name="Amara", last_name="Okafor", email="amara@example.com")
    request_id = make_correction(app, twin, city="Leeds")
    with app.app_context():
        survivor, other = db.session.get(Client, amara), db.session.get(Client, twin)
        merge_clients(amara, [twin], default_choices(survivor, [other]), owner.staff)
        assert db.session.get(DataRequest, request_id).client_id == amara


def test_markup_in_a_reason_is_escaped_on_the_page_and_in_the_email(
    app, amara, amara_browser, owner
):
    assert ask(amara_browser, "download").status_code == 303
    (data_request,) = requests_of(app, amara)
    owner.post(
        f"/settings/requests/{data_request.id}/decline",
        data={f"decline-{data_request.id}-reason": "<script>alert(3)</script>"},
    )
    page = amara_browser.get("/me").text
    assert "<script>alert(3)</script>" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    with app.app_context():
        html = db.session.scalars(select(OutgoingEmail.body_html)).one()
    assert "<script>" not in html and "&lt;script&gt;alert(3)&lt;/script&gt;" in html
