"""Client accounts and the client page (/me): invitations and resets from the profile,
the client realm of sign-in, and the page itself, with the attacks on each."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.models import (
    Activity,
    ClientAccount,
    ClientAccountToken,
    ClientSession,
    OutgoingEmail,
    utcnow,
)
from app.portal import realm
from tests.conftest import PASSWORD, csrf_token_from
from tests.helpers.portal import (
    CLIENT_PASSWORD,
    invite,
    link_from_outbox,
    open_link,
    path_of,
    set_password,
    token_of,
)


def client_sign_in(browser, email, password=CLIENT_PASSWORD):
    page = browser.get("/me/login")
    if page.status_code == 302:  # signed in already: the page's form is one step on
        page = browser.get("/me")
    return browser.post(
        "/me/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
    )


@pytest.fixture
def active_client(app, owner, amara):
    """Amara with an active account, and a browser signed in to her page."""
    link = invite(owner, amara)
    browser = app.test_client()
    response = set_password(browser, link)
    assert response.status_code == 303 and response.location.endswith("/me")
    return browser


def test_smoke(app, owner, amara, active_client):
    page = active_client.get("/me")
    assert page.status_code == 200, page.text
    assert "Amara Okafor" in page.text


def _client_row(app, client_id):
    from app.models import Client

    with app.app_context():
        return db.session.get(Client, client_id)


def _account(app, client_id):
    with app.app_context():
        return db.session.scalar(select(ClientAccount).where(ClientAccount.client_id == client_id))


def _verbs(app, client_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
            )
        )


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _move_clock(monkeypatch, delta):
    """Every clock the realm and its ops read, moved by `delta`."""
    from app.portal import ops as portal_ops

    moved = lambda: utcnow() + delta  # noqa: E731
    monkeypatch.setattr(realm, "utcnow", moved)
    monkeypatch.setattr(portal_ops, "utcnow", moved)


# --- invitations and resets from the profile -------------------------------------------


def test_the_profile_offers_invite_and_reset_and_a_client_page_card(owner, amara):
    page = owner.get(f"/clients/{amara}").text
    assert 'id="client-page-card"' in page
    state = owner.get(f"/clients/{amara}/client-page", hx=True)
    assert state.status_code == 200 and "<html" not in state.text
    # Not invited yet: the card offers the invitation, not a reset.
    assert "Not invited." in state.text
    assert "Invite to client page" in state.text and "Reset password" not in state.text
    assert "<html" in owner.get(f"/clients/{amara}/client-page").text


def test_the_card_offers_a_reset_once_the_account_is_active(owner, amara, active_client):
    state = owner.get(f"/clients/{amara}/client-page", hx=True).text
    assert "Active" in state
    assert "Reset password" in state and "Invite to client page" not in state


def test_an_invitation_names_the_address_then_creates_the_account_and_queues_the_email(
    app, owner, client_factory
):
    client_id = client_factory(first_name="Iris", email="Iris.Mix@Example.COM")
    confirm = owner.get(f"/clients/{client_id}/client-page/invite")
    assert confirm.status_code == 200
    assert "iris.mix@example.com" in confirm.text and "Send invitation" in confirm.text
    assert _account(app, client_id) is None  # nothing before the POST

    sent = owner.post(f"/clients/{client_id}/client-page/invite", hx=True)
    assert sent.status_code == 200 and "<html" not in sent.text
    assert "sent to iris.mix@example.com" in sent.text
    account = _account(app, client_id)
    assert account.email == "iris.mix@example.com" and account.password_hash is None
    assert account.activated_at is None
    with app.app_context():
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.client_id == client_id))
        token_row = db.session.scalar(select(ClientAccountToken))
        # The bodies hold the placeholder, never the link; the link waits in secret_link.
        from app.models import LINK_PLACEHOLDER

        assert email.kind == "invitation" and email.to_address == "iris.mix@example.com"
        assert LINK_PLACEHOLDER in email.body_text and LINK_PLACEHOLDER in email.body_html
        assert urlsplit(email.secret_link).path == "/me/set-password"
        token = token_of(email.secret_link)
        assert token not in email.body_text + email.body_html
        # Only the digest is kept, and it expires in 24 hours.
        assert token_row.token_digest == realm.token_digest(token) != token
        assert token_row.purpose == "invitation"
        lifetime = token_row.expires_at - token_row.created_at
        assert lifetime == timedelta(hours=24)
    assert "portal.invited" in _verbs(app, client_id)
    assert "Invited on" in owner.get(f"/clients/{client_id}/client-page", hx=True).text


def test_the_invitation_is_in_the_clients_language(app, owner, client_factory):
    client_id = client_factory(
        first_name="Lucía", email="lucia@example.com", preferred_language="es"
    )
    owner.post(f"/clients/{client_id}/client-page/invite")
    with app.app_context():
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.client_id == client_id))
        assert email.language == "es"
        assert email.subject.startswith("Tu página en")
        assert "Lucía:" in email.body_text and "Elige tu contraseña" in email.body_html


def test_sending_again_spends_the_older_link(app, owner, amara):
    first = invite(owner, amara)
    second = invite(owner, amara)
    assert first != second
    browser = app.test_client()
    assert browser.get(first).status_code == 410
    assert open_link(browser, second).status_code == 200
    assert _count(app, ClientAccount) == 1


def test_no_email_or_an_email_of_another_clients_account_is_refused(
    app, owner, amara, client_factory
):
    nameless = client_factory(first_name="Noemail")
    for url in (f"/clients/{nameless}/client-page/invite",):
        page = owner.get(url)
        assert page.status_code == 422 and "no email address" in page.text
        answer = owner.post(url)
        assert answer.status_code == 422 and "no email address" in answer.text
    invite(owner, amara)
    sibling = client_factory(first_name="Sibling", email="AMARA@example.com")
    refused = owner.post(f"/clients/{sibling}/client-page/invite")
    assert refused.status_code == 422 and "another client" in refused.text
    assert _account(app, sibling) is None and _account(app, nameless) is None
    assert _count(app, OutgoingEmail) == 1


def test_reset_is_for_an_active_account_and_invite_is_not(app, owner, amara):
    refused = owner.post(f"/clients/{amara}/client-page/reset-password")
    assert refused.status_code == 422 and "invitation instead" in refused.text
    link = invite(owner, amara)
    set_password(app.test_client(), link)
    again = owner.post(f"/clients/{amara}/client-page/invite")
    assert again.status_code == 422 and "password reset instead" in again.text
    confirm = owner.get(f"/clients/{amara}/client-page/reset-password")
    assert confirm.status_code == 200 and "amara@example.com" in confirm.text
    assert owner.post(f"/clients/{amara}/client-page/reset-password").status_code == 200
    with app.app_context():
        email = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id.desc())).first()
        assert email.kind == "password_reset"
    assert "portal.reset_sent" in _verbs(app, amara)
    assert "Active" in owner.get(f"/clients/{amara}/client-page", hx=True).text


def test_trashed_erased_and_merged_clients_get_404(app, owner, client_factory):
    from app.clients import privacy_ops
    from app.models import Client

    gone = client_factory(first_name="Gone", email="gone@example.com")
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, gone), owner.staff)
    for url in (
        f"/clients/{gone}/client-page/invite",
        f"/clients/{gone}/client-page/reset-password",
        "/clients/999999/client-page/invite",
    ):
        assert owner.get(url).status_code == 404
        assert owner.post(url).status_code == 404


def test_staff_without_edit_rights_cannot_send_links(app, login, amara):
    from app.core.permissions import ROLE_PERMISSIONS, Permission

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Permission.EDIT_CLIENTS in perms]
    assert roles  # every role edits clients today; the check is the route's and the op's
    from app.portal import ops as portal_ops

    with app.app_context(), pytest.raises(PermissionError):
        portal_ops.send_invitation(amara, None)


# --- the link ---------------------------------------------------------------------------


def test_setting_the_password_spends_the_link_activates_and_signs_in(app, owner, amara):
    link = invite(owner, amara)
    browser = app.test_client()
    page = open_link(browser, link)
    assert page.status_code == 200 and "Amara" in page.text
    answer = set_password(browser, link)
    assert answer.status_code == 303 and answer.location.endswith("/me")
    account = _account(app, amara)
    assert account.activated_at is not None
    assert account.password_hash.startswith("$argon2id$")
    assert browser.get("/me").status_code == 200
    # Used once: the same link again, from any browser, is gone.
    assert browser.get(link).status_code == 410
    assert app.test_client().get(link).status_code == 410
    assert "portal.password_set" in _verbs(app, amara)


def test_an_unknown_spent_or_expired_link_says_so_and_names_nobody(app, owner, amara, monkeypatch):
    link = invite(owner, amara)
    browser = app.test_client()
    for bad in ("/me/set-password/nothing-here", "/me/set-password/" + "x" * 500):
        page = browser.get(bad)
        assert page.status_code == 410 and "Amara" not in page.text
        assert "no longer works" in page.text
    _move_clock(monkeypatch, timedelta(hours=24, seconds=1))
    expired = browser.get(link)
    assert expired.status_code == 410 and "Amara" not in expired.text
    monkeypatch.undo()
    assert open_link(browser, link).status_code == 200  # 23:59 later it would still work


def test_a_post_to_an_expired_link_sets_nothing(app, owner, amara, monkeypatch):
    link = invite(owner, amara)
    browser = app.test_client()
    token = csrf_token_from(open_link(browser, link).text)
    _move_clock(monkeypatch, timedelta(hours=25))
    answer = browser.post(
        link, data={"password": CLIENT_PASSWORD, "confirm": CLIENT_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 410
    assert _account(app, amara).password_hash is None


def test_the_password_follows_the_staff_strength_rules(app, owner, amara, client_factory):
    link = invite(owner, amara)
    browser = app.test_client()
    short = set_password(browser, link, password="short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.text
    page = open_link(browser, link)
    mismatch = browser.post(
        link,
        data={
            "password": CLIENT_PASSWORD,
            "confirm": CLIENT_PASSWORD + "!",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    assert _account(app, amara).password_hash is None
    spanish = client_factory(first_name="Lucía", email="lucia@example.com", preferred_language="es")
    answer = set_password(app.test_client(), invite(owner, spanish), password="corta")
    assert answer.status_code == 422 and "Usa al menos 10 caracteres." in answer.text


def test_a_reset_link_of_one_client_changes_only_that_client(app, owner, amara, client_factory):
    bea = client_factory(first_name="Bea", email="bea@example.com")
    amara_browser, bea_browser = app.test_client(), app.test_client()
    set_password(amara_browser, invite(owner, amara))
    set_password(bea_browser, invite(owner, bea), password="bea's own password")
    owner.post(f"/clients/{amara}/client-page/reset-password")
    amara_reset = path_of(link_from_outbox(app, amara))
    # Bea, signed in, opens Amara's link: it sets Amara's password, never Bea's.
    answer = set_password(bea_browser, amara_reset, password="chosen by whoever")
    assert answer.status_code == 303
    assert (
        client_sign_in(app.test_client(), "bea@example.com", "bea's own password").status_code
        == 303
    )
    assert (
        client_sign_in(app.test_client(), "bea@example.com", "chosen by whoever").status_code == 422
    )
    # The reset ended Amara's other sessions.
    assert amara_browser.get("/me").status_code == 302


# --- signing in, the realm -----------------------------------------------------------


def test_sign_in_and_out_with_its_own_cookie(app, owner, amara, active_client):
    browser = app.test_client()
    page = browser.get("/me/login")
    assert page.status_code == 200
    for name in ('for="email">Email', 'for="password">Password', ">Sign in</button>"):
        assert name in page.text
    answer = client_sign_in(browser, "AMARA@example.com ")
    assert answer.status_code == 303 and answer.location.endswith("/me")
    cookie = next(
        h for h in answer.headers.getlist("Set-Cookie") if h.startswith("clientele_client=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/me" in cookie
    assert browser.get("/me").status_code == 200
    assert "portal.signed_in" in _verbs(app, amara)
    assert _account(app, amara).last_sign_in_at is not None
    sessions = _count(app, ClientSession)
    me = browser.get("/me")
    out = browser.post("/me/logout", data={"csrf_token": csrf_token_from(me.text)})
    assert out.status_code == 303
    assert _count(app, ClientSession) == sessions - 1
    assert browser.get("/me").status_code == 302


def test_a_copied_cookie_opens_nothing_after_sign_out(app, amara, active_client):
    token = active_client.get_cookie("clientele_client", path="/me").value
    me = active_client.get("/me")
    active_client.post("/me/logout", data={"csrf_token": csrf_token_from(me.text)})
    thief = app.test_client()
    thief.set_cookie("clientele_client", token, path="/me")
    assert thief.get("/me").status_code == 302


def test_one_generic_error_and_decoy_hashing_for_unknown_emails(
    app, amara, active_client, monkeypatch
):
    from app.portal import ops as portal_ops

    checked = []
    real = portal_ops.verify_password
    monkeypatch.setattr(portal_ops, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    wrong = client_sign_in(app.test_client(), "amara@example.com", "not the password")
    unknown = client_sign_in(app.test_client(), "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 422
    assert "Email or password is incorrect." in wrong.text
    assert "Email or password is incorrect." in unknown.text
    assert len(checked) == 2 and checked[1] is None  # the unknown email was hashed too


def test_an_invited_but_never_activated_account_cannot_sign_in(app, owner, amara):
    invite(owner, amara)
    assert client_sign_in(app.test_client(), "amara@example.com", "").status_code == 422


def test_sign_in_is_throttled_per_realm(app, make_app, amara, active_client, staff_factory):
    app.config["SIGN_IN_MAX_FAILURES"] = 3
    browser = app.test_client()
    for _ in range(3):
        assert client_sign_in(browser, "amara@example.com", "wrong password").status_code == 422
    blocked = client_sign_in(browser, "amara@example.com")
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    # The staff sign-in of the same address is not blocked by the client's failures.
    from tests.conftest import sign_in

    staff_factory(role="owner", email="amara@example.com")
    assert sign_in(app.test_client(), "amara@example.com", PASSWORD).status_code == 303


def test_every_sign_in_gets_a_new_token(app, amara, active_client):
    old = active_client.get_cookie("clientele_client", path="/me").value
    answer = client_sign_in(active_client, "amara@example.com")
    assert answer.status_code == 303
    new = active_client.get_cookie("clientele_client", path="/me").value
    assert new != old
    with app.app_context():
        digests = set(db.session.scalars(select(ClientSession.id)))
    assert realm.token_digest(new) in digests and realm.token_digest(old) not in digests
    thief = app.test_client()
    thief.set_cookie("clientele_client", old, path="/me")
    assert thief.get("/me").status_code == 302


def test_idle_and_absolute_timeouts(app, amara, active_client, monkeypatch):
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    _move_clock(monkeypatch, idle - timedelta(minutes=1))
    assert active_client.get("/me").status_code == 200  # touched: the idle clock restarts
    _move_clock(monkeypatch, idle - timedelta(minutes=1) + idle + timedelta(minutes=1))
    assert active_client.get("/me").status_code == 302
    monkeypatch.undo()
    assert _count(app, ClientSession) == 0

    client_sign_in(active_client, "amara@example.com")
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    step = idle - timedelta(minutes=5)
    moved = timedelta(0)
    while moved + step < absolute:
        moved += step
        _move_clock(monkeypatch, moved)
        assert active_client.get("/me").status_code == 200
    _move_clock(monkeypatch, absolute + timedelta(minutes=1))
    assert active_client.get("/me").status_code == 302


def test_the_sign_in_sends_back_only_to_the_client_page(app, amara, active_client):
    redirect = app.test_client().get("/me")
    assert redirect.status_code == 302 and "/me/login" in redirect.location
    for target, expected in (("/me", "/me"), ("/clients", "/me"), ("//evil.example", "/me")):
        browser = app.test_client()
        page = browser.get(f"/me/login?next={target}")
        answer = browser.post(
            f"/me/login?next={target}",
            data={
                "email": "amara@example.com",
                "password": CLIENT_PASSWORD,
                "csrf_token": csrf_token_from(page.text),
            },
        )
        assert answer.status_code == 303 and path_of(answer.location) == expected


def _portal_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] == "portal"]


def _fill(rule, value=1):
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<[^>]*{argument}>", str(value), url)
    return url


def test_a_client_cookie_opens_no_staff_page(app, amara, active_client):
    token = active_client.get_cookie("clientele_client", path="/me").value
    attacker = app.test_client()
    attacker.set_cookie("clientele_client", token, path="/")  # sent everywhere
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] not in ("portal", "static")
        and r.endpoint not in ("auth.login", "core.healthz", "core.favicon")
    ]
    assert len(rules) > 30
    for rule in rules:
        url = _fill(rule, amara)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = attacker.open(url, method=method, follow_redirects=method == "GET")
            response.close()
            if method == "GET" and response.status_code == 200 and response.mimetype == "text/css":
                continue  # a style sheet, public as every static file is
            if method == "GET" and response.status_code == 200:
                # Only ever the staff sign-in page, after any redirects.
                assert response.request.path == "/login", url
            else:
                assert response.status_code in (302, 303, 400, 403, 404, 405, 410), (url, method)
    assert attacker.get("/clients").status_code == 302


def test_a_staff_session_is_not_a_client_session(app, owner, amara):
    public = {
        "portal.login",
        "portal.set_password",
        "portal.set_password_old_link",
    }
    rules = [r for r in _portal_rules(app) if r.endpoint not in public]
    assert {"portal.me", "portal.calendar_file", "portal.logout"} <= {r.endpoint for r in rules}
    for rule in rules:
        url = _fill(rule, amara)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = owner.client.open(url, method=method, data={"csrf_token": owner.token})
            assert response.status_code in (302, 303), (url, method, response.status_code)
            assert "/me/login" in response.location
    # And signing in on the client page leaves the staff session as it was.
    assert owner.get("/clients").status_code == 200


def test_every_client_page_form_needs_the_csrf_token(app, owner, amara, active_client):
    owner.post(f"/clients/{amara}/client-page/reset-password")
    link = path_of(link_from_outbox(app, amara))
    browser = app.test_client()
    for url, data in (
        ("/me/login", {"email": "amara@example.com", "password": CLIENT_PASSWORD}),
        (link, {"password": CLIENT_PASSWORD, "confirm": CLIENT_PASSWORD}),
    ):
        assert browser.post(url, data=data).status_code == 400
    assert active_client.post("/me/logout").status_code == 400
    assert active_client.get("/me").status_code == 200  # still signed in
    for rule in _portal_rules(app):
        if "POST" in rule.methods:
            assert app.test_client().post(_fill(rule, "x")).status_code in (400, 404), rule


@pytest.mark.parametrize("how", ["trash", "erase", "merge"])
def test_a_trashed_erased_or_merged_clients_account_opens_nothing(
    app, owner, amara, active_client, client_factory, how
):
    from app.clients import privacy_ops
    from app.data.merge import merge_clients
    from app.models import Client

    assert active_client.get("/me").status_code == 200
    # A survivor with an account of its own (the merged profile's is then deleted).
    other = client_factory(first_name="Other", email="other@example.com")
    set_password(app.test_client(), invite(owner, other), password="other's password")
    with app.app_context():
        client = db.session.get(Client, amara)
        if how == "trash":
            privacy_ops.delete_client(client, owner.staff)
        elif how == "erase":
            privacy_ops.erase_client(client, "Amara Okafor", owner.staff)
        else:
            merge_clients(other, [amara], {}, owner.staff)
    assert active_client.get("/me").status_code == 302
    answer = client_sign_in(app.test_client(), "amara@example.com")
    assert answer.status_code == 422


def test_a_restored_client_signs_in_again(app, owner, amara, active_client):
    from app.clients import privacy_ops
    from app.models import Client

    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, amara), owner.staff)
    assert client_sign_in(app.test_client(), "amara@example.com").status_code == 422
    with app.app_context():
        privacy_ops.restore_client(db.session.get(Client, amara), owner.staff)
    assert client_sign_in(app.test_client(), "amara@example.com").status_code == 303


# --- the client page ---------------------------------------------------------------------


@pytest.fixture
def sessions(app, owner, amara):
    from app.bookings import scheduling, status_flow
    from tests.helpers.bookings import book, future_day, practitioner, service

    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff, name="Deep massage")
    upcoming = book(app, owner.staff, amara, massage, sam.id, future_day(3), "10:00")
    cancelled = book(app, owner.staff, amara, massage, sam.id, future_day(4), "11:00")
    with app.app_context():
        status_flow.change_status(cancelled, "cancel", owner.staff, reason="CANARY-CANCEL-REASON")
        past = scheduling.add_past_session(
            amara, massage, sam.id, utcnow() - timedelta(days=10), "completed"
        ).id
    return {
        "upcoming": upcoming,
        "cancelled": cancelled,
        "past": past,
        "service": massage,
        "sam": sam,
    }


def test_the_page_shows_the_details_and_sessions_read_only(app, amara, active_client, sessions):
    page = active_client.get("/me")
    assert page.status_code == 200
    html = page.text
    for text in (
        "Amara Okafor",
        "amara@example.com",
        "12 Baker Street",
        "London",
        "NW1 6XE",
        "United Kingdom",
        "French",
        "12 April 1990",
        "Deep massage",
        "Sam Practitioner",
        "Upcoming",
        "Past",
        "Completed",
        "Cancelled",
        "Confirmed",
        "Download calendar file",
    ):
        assert text in html, text
    assert html.index("Upcoming") < html.index("Past")
    assert 'name="viewport"' in html
    # Read-only: the only forms are sign-out's (and areas that add their own forms).
    assert html.count("<form") == html.count('action="/me/') + html.count('action="/me"')
    assert 'action="/clients' not in html and 'hx-post="/clients' not in html


def test_the_page_is_in_the_clients_language(app, owner, client_factory):
    lucia = client_factory(
        first_name="Lucía", email="lucia@example.com", preferred_language="es", country="ES"
    )
    browser = app.test_client()
    set_password(browser, invite(owner, lucia))
    html = browser.get("/me").text
    assert '<html lang="es">' in html
    for text in ("Tus datos", "Tus sesiones", "Próximas", "Cerrar sesión", "España", "español"):
        assert text in html, text


def test_a_calendar_file_for_own_sessions_only(
    app, owner, amara, active_client, sessions, client_factory
):
    ics = active_client.get(f"/me/sessions/{sessions['upcoming']}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert b"Deep massage" in ics.data and b"BEGIN:VEVENT" in ics.data
    from tests.helpers.bookings import book, future_day

    other = client_factory(first_name="Other", email="other@example.com")
    theirs = book(
        app, owner.staff, other, sessions["service"], sessions["sam"].id, future_day(5), "14:00"
    )
    assert active_client.get(f"/me/sessions/{theirs}/calendar.ics").status_code == 404
    assert active_client.get("/me/sessions/999999/calendar.ics").status_code == 404


def test_every_client_page_url_with_another_clients_ids_is_404(
    app, owner, amara, active_client, sessions, client_factory
):
    """IDOR: every /me route that takes an id, given an id of someone else's record."""
    from tests.helpers.bookings import book, future_day

    other = client_factory(first_name="Other", email="other@example.com")
    theirs = book(
        app, owner.staff, other, sessions["service"], sessions["sam"].id, future_day(6), "15:00"
    )
    rules = [r for r in _portal_rules(app) if any(a.endswith("_id") for a in r.arguments)]
    assert rules
    for rule in rules:
        # Another client's record where the kind is known, and ids of nothing at all.
        values = [theirs, 999_999] if "booking_id" in rule.arguments else [999_999]
        for value in values:
            url = _fill(rule, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    response = active_client.get(url)
                else:
                    token = csrf_token_from(active_client.get("/me").text)
                    response = active_client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (url, method, response.status_code)


CANARIES = {
    "note": "CANARY-NOTE-BODY",
    "alert": "CANARY-ALERT-TEXT",
    "label": "CANARY-LABEL",
    "lock": "CANARY-LOCK-REASON",
    "cancel": "CANARY-CANCEL-REASON",
}


def test_staff_only_text_never_reaches_the_client_page(app, owner, amara, active_client, sessions):
    from app.clients import alert_ops, label_ops, note_ops, privacy_ops
    from app.models import Client

    with app.app_context():
        client = db.session.get(Client, amara)
        note_ops.add_note(client, CANARIES["note"], owner.staff)
        alert_ops.add_alert(client, "warning", CANARIES["alert"], owner.staff)
        label = label_ops.create_label(CANARIES["label"], "teal", owner.staff)
        label_ops.set_client_labels(db.session.get(Client, amara), {label.id}, owner.staff)
        privacy_ops.lock_client(db.session.get(Client, amara), CANARIES["lock"], owner.staff)
    staff_profile = owner.get(f"/clients/{amara}").text
    assert CANARIES["note"] in staff_profile and CANARIES["lock"] in staff_profile
    html = active_client.get("/me").text
    for where, canary in CANARIES.items():
        assert canary not in html, where
    # The timeline (audit): none of its words, nor the staff member's name.
    for words in ("Note added", "Profile locked", "Invited to the client page", owner.staff.name):
        assert words not in html, words
    ics = active_client.get(f"/me/sessions/{sessions['cancelled']}/calendar.ics")
    assert b"CANARY" not in ics.data


def test_markup_in_a_name_is_escaped_on_every_client_page(app, owner, client_factory, sessions):
    evil = client_factory(
        first_name="<script>alert(1)</script>", last_name='"><img src=x>', email="evil@example.com"
    )
    link = invite(owner, evil)
    browser = app.test_client()
    pages = [browser.get(link).text]
    set_password(browser, link)
    pages.append(browser.get("/me").text)
    pages.append(app.test_client().get("/me/login").text)
    owner.post(f"/clients/{evil}/client-page/reset-password")
    pages.append(owner.get(f"/clients/{evil}/client-page/reset-password").text)
    with app.app_context():
        for email in db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.client_id == evil)
        ):
            pages.append(email.body_html)
    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert '"><img src=x>' not in html


def test_the_page_costs_a_fixed_number_of_queries(app, owner, amara, active_client, count_queries):
    from app.bookings import scheduling
    from tests.helpers.bookings import book, future_day, practitioner, service

    def measure():
        with count_queries() as statements:
            assert active_client.get("/me").status_code == 200
        return len(statements)

    few = measure()
    sam = practitioner(app, owner.staff)
    massage = service(app, owner.staff)
    for days in range(1, 8):
        book(app, owner.staff, amara, massage, sam.id, future_day(days), "10:00")
    with app.app_context():
        for days in range(1, 40):
            scheduling.add_past_session(
                amara, massage, sam.id, utcnow() - timedelta(days=days), "completed"
            )
    many = measure()
    from app.core.parts import client_cost, client_parts

    # The session with account and client, the business's name, and the parts' loaders.
    assert few == many == 2 + sum(client_cost(part) for part in client_parts())


def test_client_parts_come_from_the_registry(app):
    from app.core.parts import all_cards, client_parts

    names = [part.name for part in client_parts()]
    assert names[:1] == ["client-details"] and "sessions" in names
    assert "client-details" not in [card.name for card in all_cards()]  # the client's only
    assert all(part.client_facing and part.client_template for part in client_parts())


# --- export, erasure, merge ---------------------------------------------------------------


def test_the_export_names_the_account_without_secrets(app, owner, amara, active_client):
    from app.core.export import client_export
    from app.models import Client

    with app.app_context():
        document = client_export(db.session.get(Client, amara))
    section = document["client_page"]
    assert section["email"] == "amara@example.com"
    assert section["activated_at"] and section["last_sign_in_at"] and section["created_at"]
    text = str(section)
    assert "argon2" not in text and "hash" not in text


def test_erasure_deletes_the_account_its_links_and_sessions(app, owner, amara, active_client):
    from app.clients import privacy_ops
    from app.models import Client

    owner.post(f"/clients/{amara}/client-page/reset-password")
    assert _count(app, ClientAccountToken) >= 2 and _count(app, ClientSession) == 1
    with app.app_context():
        privacy_ops.erase_client(db.session.get(Client, amara), "Amara Okafor", owner.staff)
    assert _count(app, ClientAccount) == 0
    assert _count(app, ClientAccountToken) == 0 and _count(app, ClientSession) == 0


def test_a_merge_keeps_the_survivors_account_and_hands_over_a_members(
    app, owner, amara, active_client, client_factory
):
    from app.data.merge import merge_clients

    with_account = client_factory(first_name="Twin", email="twin@example.com")
    set_password(app.test_client(), invite(owner, with_account), password="twin's password 1")
    # Survivor with its own account: the merged profile's account is deleted.
    with app.app_context():
        merge_clients(with_account, [amara], {}, owner.staff)
    assert _account(app, amara) is None
    assert _account(app, with_account).email == "twin@example.com"
    assert (
        client_sign_in(app.test_client(), "twin@example.com", "twin's password 1").status_code
        == 303
    )
    # Survivor without one: the merged profile's account moves to it.
    plain = client_factory(first_name="Plain", email="plain@example.com")
    with app.app_context():
        merge_clients(plain, [with_account], {}, owner.staff)
    moved = _account(app, plain)
    assert moved is not None and moved.email == "twin@example.com"
    assert (
        client_sign_in(app.test_client(), "twin@example.com", "twin's password 1").status_code
        == 303
    )


def test_no_client_page_route_answers_5xx_to_odd_input(app, owner, amara, active_client):
    """The odd-input sweep over this area's routes, for a visitor, a signed-in client and
    staff: odd path parts, odd values for every field, JSON and files where a form is."""
    from tests.helpers.odd import JSON_VALUES, ODD_PATH_VALUES, ODD_VALUES

    owner.post(f"/clients/{amara}/client-page/reset-password")
    link = path_of(link_from_outbox(app, amara))
    names = ["email", "password", "confirm", "next", "csrf_token"]
    browsers = {
        "visitor": (app.test_client(), csrf_token_from(app.test_client().get("/me/login").text)),
        "client": (active_client, csrf_token_from(active_client.get("/me").text)),
        "staff": (owner.client, owner.token),
    }
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in ("portal", "portal_accounts")
        and not r.rule.startswith("/me/requests")  # the data-rights requests' own sweep
        and not r.endpoint.endswith("static")
    ]
    failures = []
    for who, (browser, token) in browsers.items():
        for rule in rules:
            good = {"client_id": amara, "booking_id": 1, "token": token_of(link)}
            urls = [_fill_named(rule, good)]
            for argument in rule.arguments:
                urls += [_fill_named(rule, good | {argument: odd}) for odd in ODD_PATH_VALUES]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for url in urls:
                    for value in ODD_VALUES[:4]:
                        data = dict.fromkeys(names, value) | {"csrf_token": token}
                        if method == "GET":
                            response = browser.get(url, query_string=dict.fromkeys(names, value))
                        else:
                            response = browser.open(url, method=method, data=data)
                        if response.status_code >= 500:
                            failures.append((who, method, url[:80], response.status_code))
                    if method != "GET":
                        response = browser.open(url, method=method, json=list(JSON_VALUES))
                        if response.status_code >= 500:
                            failures.append((who, method, url[:80], "json"))
    assert not failures, failures[:10]


def _fill_named(rule, values):
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<[^>]*{argument}>", str(values[argument]), url)
    return url


def test_the_timeline_tells_invitations_resets_and_sign_ins(app, owner, amara, active_client):
    client_sign_in(app.test_client(), "amara@example.com")
    owner.post(f"/clients/{amara}/client-page/reset-password")
    set_password(app.test_client(), path_of(link_from_outbox(app, amara)), "a newer password")
    timeline = owner.get(f"/clients/{amara}/activity/timeline", hx=True).text
    for words in (
        "Invited to the client page",
        "Password reset sent",
        "Client page password set",
        "Signed in to the client page",
        "by the client",
        "Password reset link",
        "amara@example.com",
    ):
        assert words in timeline, words
    privacy = owner.get(f"/clients/{amara}/activity/timeline?kind=privacy", hx=True).text
    assert "Signed in to the client page" in privacy


def test_every_text_of_the_client_page_has_its_spanish():
    from pathlib import Path

    from babel.messages.pofile import read_po

    import app.portal

    folder = Path(app.portal.__file__).parent / "translations"
    with open(folder / "es" / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    with open(folder / "messages.pot", "rb") as file:
        template = read_po(file)
    wanted = {message.id for message in template if message.id}
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert wanted and wanted <= translated
    from babel.messages.mofile import read_mo

    with open(folder / "es" / "LC_MESSAGES" / "messages.mo", "rb") as file:
        compiled = read_mo(file)
    assert {m.id: m.string for m in compiled if m.id in wanted} == {
        m.id: m.string for m in catalog if m.id in wanted
    }


def test_the_sign_in_page_speaks_the_browsers_language(app):
    page = app.test_client().get("/me/login", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es">' in page.text
    for text in ("Iniciar sesión", "Correo electrónico", "Contraseña"):
        assert text in page.text
    wrong = app.test_client()
    form = wrong.get("/me/login", headers={"Accept-Language": "es"})
    answer = wrong.post(
        "/me/login",
        data={
            "email": "x@example.com",
            "password": "nope",
            "csrf_token": csrf_token_from(form.text),
        },
        headers={"Accept-Language": "es"},
    )
    assert answer.status_code == 422
    assert "El correo electrónico o la contraseña no son correctos." in answer.text
