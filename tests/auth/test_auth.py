"""Staff sign-in: hashing, generic errors, the database throttle, server-side sessions."""

from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from app.auth.ops import deactivate_staff
from app.core.extensions import db
from app.core.paths import safe_next_path
from app.models import SignInThrottle, StaffMember, StaffSession, utcnow
from tests.conftest import PASSWORD, Browserless, csrf_token_from, sign_in


def test_every_page_but_login_needs_sign_in(client):
    for url in ["/", "/clients", "/clients/new", "/clients/1", "/clients/1/activity"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").text == "ok"


def test_password_is_hashed_with_argon2id(app, staff_factory):
    staff = staff_factory(email="hash@example.com")
    with app.app_context():
        stored = db.session.get(StaffMember, staff.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_in_lands_on_clients_and_shows_sign_out(client, staff_factory):
    staff_factory(email="desk@example.com", name="Dana Desk")
    response = sign_in(client, "desk@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/clients"
    page = client.get("/clients")
    assert "Dana Desk" in page.text
    assert ">Sign out</button>" in page.text


def test_email_is_case_insensitive(client, staff_factory):
    staff_factory(email="case@example.com")
    assert sign_in(client, "  CASE@Example.com ").status_code == 303


@pytest.mark.parametrize(
    "email,password", [("nobody@example.com", PASSWORD), ("who@example.com", "wrong password!")]
)
def test_wrong_email_and_wrong_password_give_the_same_message(
    client, staff_factory, email, password
):
    staff_factory(email="who@example.com")
    response = sign_in(client, email, password)
    assert response.status_code == 422
    assert "Email or password is incorrect." in response.text
    assert email.strip() in response.text  # what was typed in Email comes back
    assert password not in response.text  # the password never does


def test_missing_fields_get_messages_beside_them(client):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 422
    assert "Enter your email." in response.text
    assert "Enter your password." in response.text


def test_ten_failures_throttle_the_account_for_fifteen_minutes(app, client, staff_factory):
    staff_factory(email="target@example.com")
    for _ in range(10):
        assert sign_in(client, "target@example.com", "not the password").status_code == 422
    blocked = sign_in(client, "target@example.com")  # even the right password
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    # The count lives in the database, so every worker process sees it.
    with app.app_context():
        row = db.session.scalars(select(SignInThrottle)).one()
        assert row.blocked_until - utcnow() > timedelta(minutes=14)
        db.session.execute(update(SignInThrottle).values(blocked_until=utcnow()))
        db.session.commit()
    assert sign_in(client, "target@example.com").status_code == 303


def test_unknown_emails_are_throttled_too_so_the_block_reveals_nothing(client):
    for _ in range(10):
        sign_in(client, "ghost@example.com", "whatever password")
    assert sign_in(client, "ghost@example.com", "whatever password").status_code == 429


def test_success_clears_the_failure_count(app, client, staff_factory):
    staff_factory(email="oops@example.com")
    for _ in range(9):
        sign_in(client, "oops@example.com", "typo typo typo")
    assert sign_in(client, "oops@example.com").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(SignInThrottle)).first() is None


def test_session_id_changes_at_sign_in(client, staff_factory):
    staff_factory(email="fix@example.com")
    client.get("/login")
    before = client.get_cookie("clientele_session").value
    sign_in(client, "fix@example.com")
    after = client.get_cookie("clientele_session").value
    assert before != after
    # The pre-sign-in token is dead: it does not carry the signed-in session.
    client.set_cookie("clientele_session", before)
    assert client.get("/clients").status_code == 302


def test_sign_out_ends_the_session_on_the_server(app, owner):
    copied = owner.client.get_cookie("clientele_session").value
    response = owner.post("/logout")
    assert response.status_code == 303
    assert owner.client.get("/clients").status_code == 302
    thief = app.test_client()
    thief.set_cookie("clientele_session", copied)
    assert thief.get("/clients").status_code == 302
    with app.app_context():
        assert (
            db.session.scalars(
                select(StaffSession).where(StaffSession.staff_id.is_not(None))
            ).first()
            is None
        )


def _signed_in_browser(app, email):
    browser = app.test_client()
    assert sign_in(browser, email).status_code == 303
    page = browser.get("/clients")
    assert page.status_code == 200
    return Browserless(browser, csrf_token_from(page.text))


def _sessions_of(app, staff_id) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(StaffSession.id).where(StaffSession.staff_id == staff_id)
            ).all()
        )


def test_sign_out_everywhere_ends_every_session_of_that_staff_member(app, staff_factory):
    staff = staff_factory(role="front_desk", email="everywhere@example.com")
    colleague = staff_factory(role="front_desk", email="colleague@example.com")
    desk, phone = (_signed_in_browser(app, staff.email) for _ in range(2))
    other = _signed_in_browser(app, colleague.email)
    assert _sessions_of(app, staff.id) == 2
    page = desk.get("/clients")
    assert ">Sign out everywhere</button>" in page.text
    assert 'action="/logout/everywhere"' in page.text

    response = desk.post("/logout/everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert desk.get("/clients").status_code == 302
    assert phone.get("/clients").status_code == 302  # the other browser too
    assert _sessions_of(app, staff.id) == 0
    assert other.get("/clients").status_code == 200  # a colleague's session is untouched
    assert sign_in(app.test_client(), staff.email).status_code == 303  # may sign in again


def test_sign_out_ends_this_browser_only(app, staff_factory):
    staff = staff_factory(role="front_desk", email="onlyhere@example.com")
    desk, phone = (_signed_in_browser(app, staff.email) for _ in range(2))
    assert desk.post("/logout").status_code == 303
    assert desk.get("/clients").status_code == 302
    assert phone.get("/clients").status_code == 200
    assert _sessions_of(app, staff.id) == 1


def test_sign_out_everywhere_needs_csrf(app, staff_factory):
    staff = staff_factory(role="front_desk", email="forged@example.com")
    desk, phone = (_signed_in_browser(app, staff.email) for _ in range(2))
    assert desk.client.post("/logout/everywhere", data={}).status_code == 400
    assert desk.get("/clients").status_code == 200
    assert phone.get("/clients").status_code == 200


def test_sign_out_needs_csrf(owner):
    response = owner.client.post("/logout", data={})
    assert response.status_code == 400
    assert owner.get("/clients").status_code == 200


def test_deactivation_ends_sessions(app, owner):
    with app.app_context():
        deactivate_staff(owner.staff.email)
    assert owner.get("/clients").status_code == 302
    assert sign_in(app.test_client(), owner.staff.email).status_code == 422


def test_idle_timeout(app, owner):
    with app.app_context():
        db.session.execute(
            update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=4, minutes=1))
        )
        db.session.commit()
    assert owner.get("/clients").status_code == 302


def test_activity_keeps_an_idle_session_alive(app, owner):
    with app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
    assert owner.get("/clients").status_code == 200
    with app.app_context():
        seen = db.session.scalars(select(StaffSession.last_seen_at)).all()
    assert all(utcnow() - moment < timedelta(minutes=1) for moment in seen)


def test_absolute_timeout_even_when_active(app, owner):
    with app.app_context():
        db.session.execute(
            update(StaffSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1))
        )
        db.session.commit()
    assert owner.get("/clients").status_code == 302


def test_timeouts_are_configurable(make_app, login):
    short = make_app(SESSION_IDLE_TIMEOUT=timedelta(minutes=5))
    desk = login("front_desk", client=short.test_client())
    with short.app_context():
        db.session.execute(
            update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=6))
        )
        db.session.commit()
    assert desk.get("/clients").status_code == 302


def test_session_cookie_flags(client, staff_factory):
    staff_factory(email="flags@example.com")
    response = sign_in(client, "flags@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookie_is_secure(make_app):
    assert (
        make_app(SESSION_COOKIE_SECURE=True)
        .test_client()
        .get("/login")
        .headers["Set-Cookie"]
        .count("Secure")
        == 1
    )


def test_session_store_keeps_only_a_digest_of_the_token(app, owner):
    token = owner.client.get_cookie("clientele_session").value
    with app.app_context():
        ids = db.session.scalars(select(StaffSession.id)).all()
    assert token not in ids
    assert len(ids) == 1 and len(ids[0]) == 64


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/clients/7", "/clients/7"),
        ("/clients?q=ann", "/clients?q=ann"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_next_only_accepts_local_paths(target, expected):
    assert safe_next_path(target) == expected


def test_next_is_followed_after_sign_in(client, staff_factory):
    staff_factory(email="next@example.com")
    page = client.get("/login?next=/clients/new")
    response = client.post(
        "/login?next=/clients/new",
        data={
            "email": "next@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.headers["Location"] == "/clients/new"
    evil = client.get("/login?next=https://evil.example/")
    assert evil.status_code == 302 and evil.headers["Location"] == "/clients"


def test_old_failures_are_forgiven(app, client, staff_factory):
    staff_factory(email="slow@example.com")
    for _ in range(9):
        sign_in(client, "slow@example.com", "typo typo typo")
    with app.app_context():
        db.session.execute(update(SignInThrottle).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    sign_in(client, "slow@example.com", "typo typo typo")  # the tenth, but weeks later
    assert sign_in(client, "slow@example.com").status_code == 303


def test_anonymous_visits_write_nothing_to_the_database(app, client, count_queries):
    with count_queries() as statements:
        for _ in range(3):
            client.get("/login")
        client.get("/nowhere")
    assert statements == []
    with app.app_context():
        assert db.session.scalars(select(StaffSession)).all() == []


def test_a_forged_anonymous_cookie_is_ignored(client):
    client.set_cookie("clientele_session", "anon.eyJjc3JmX3Rva2VuIjoieCJ9.forged.signature")
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post(
        "/login", data={"email": "a@example.com", "password": "x" * 12, "csrf_token": "x"}
    )
    assert response.status_code == 400  # the forged token is not this session's


def _staff_session_rows(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(StaffSession.id)).all())


@pytest.mark.parametrize(
    "identity",
    [
        {"_user_id": "{id}", "_fresh": True, "_id": "forged"},
        {"_user_id": "{id}", "csrf_token": "x"},
    ],
)
def test_an_anonymous_cookie_signed_with_the_secret_carries_no_identity(
    app, client, staff_factory, identity
):
    owner = staff_factory(role="owner")
    data = {key: str(value).format(id=owner.id) for key, value in identity.items()}
    serializer = URLSafeTimedSerializer(app.secret_key, salt="clientele-anonymous-session")
    client.set_cookie("clientele_session", "anon." + serializer.dumps(data))
    page = client.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text  # not signed in
    assert client.get("/clients").status_code == 302
    assert client.get("/login").status_code == 200
    assert _staff_session_rows(app) == 0


def test_a_remember_me_cookie_signed_with_the_secret_starts_no_session(app, client, staff_factory):
    owner = staff_factory(role="owner")
    with app.test_request_context():
        forged = encode_cookie(str(owner.id))  # signed with the app's SECRET_KEY
    client.set_cookie("remember_token", forged)
    client.get("/login")
    assert client.get("/clients").status_code == 302
    assert client.get("/login").status_code == 200
    assert _staff_session_rows(app) == 0


def test_signing_in_still_starts_a_server_side_session(app, client, staff_factory):
    staff = staff_factory(role="owner")
    assert sign_in(client, staff.email).status_code == 303
    assert client.get("/clients").status_code == 200
    assert _staff_session_rows(app) == 1


def test_control_characters_in_the_sign_in_email_are_a_plain_refusal(client, staff_factory):
    staff_factory(email="nul@example.com")
    response = sign_in(client, "nul\x00@example.com")
    assert response.status_code == 422
    assert "control characters" in response.text


def test_htmx_request_after_the_session_ended_asks_for_a_full_page_sign_in(app, owner):
    with app.app_context():
        db.session.execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    response = owner.get(
        "/clients?q=ann", hx=True, headers={"HX-Current-URL": "http://localhost/clients/7"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/clients/7"
    write = owner.client.post(
        "/clients/new",
        data={"first_name": "X"},
        headers={"HX-Request": "true", "X-CSRFToken": owner.token},
    )
    assert write.status_code == 204 and write.headers["HX-Redirect"].startswith("/login")
