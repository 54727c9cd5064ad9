"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), the Flask test client, factories, an htmx helper and a
query counter."""

import os
import re
import shutil
import signal
from contextlib import contextmanager
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from app import create_app
from app.auth.ops import add_staff
from app.clients import detail_ops
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.models import Base, StaffMember

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery"
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "DATA_KEY": "test-data-key",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 64,
    "DEFAULT_PHONE_REGION": "GB",
    "TIMEZONE": "Europe/London",
}


def _migrate(url: str) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema once through the real migrations."""
    if POSTGRES_URL:
        _migrate(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(database_template, tmp_path):
    if POSTGRES_URL:
        yield POSTGRES_URL
        engine = create_engine(POSTGRES_URL)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.db"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url, tmp_path):
    apps = []
    # Each test its own erasure ledger (on PostgreSQL it would default to instance/).
    ledger = str(tmp_path / "erasure-ledger.jsonl")

    def factory(**overrides):
        app = create_app(
            {
                **BASE_CONFIG,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "ERASURE_LEDGER": ledger,
                # Each test its own job queue and export files, never under instance/.
                "JOBS_QUEUE_FILE": str(tmp_path / "jobs.sqlite3"),
                "EXPORT_FILES_DIR": str(tmp_path / "exports"),
                **overrides,
            }
        )
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def staff_factory(app):
    counter = iter(range(1, 10_000))

    def make(role="owner", email=None, name=None, password=PASSWORD) -> StaffMember:
        number = next(counter)
        with app.app_context():
            member = add_staff(
                email or f"staff{number}@example.com", name or f"Staff {number}", role, password
            )
            return SignedInStaff.of(member)

    return make


@pytest.fixture
def client_factory(app, staff_factory):
    author = {}

    def make(actor=None, **values):
        if actor is None:
            if "staff" not in author:
                author["staff"] = staff_factory(role="owner", name="Factory Owner")
            actor = author["staff"]
        fields = {"first_name": "Ada", "last_name": "Lovelace"} | values
        with app.app_context():
            created = detail_ops.create_client(fields, actor)
            return created.id

    return make


@pytest.fixture
def amara(client_factory):
    """A client with every field of the form filled."""
    return client_factory(
        first_name="Amara",
        last_name="Okafor",
        email="amara@example.com",
        phone="+442079460958",
        whatsapp="+33612345678",
        birth_date=date(1990, 4, 12),
        preferred_language="fr",
        address="12 Baker Street",
        city="London",
        postal_code="NW1 6XE",
        country="GB",
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browserless:
    """A signed-in test client that sends the CSRF token and htmx headers when asked."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def get(self, url, hx=False, **kwargs):
        return self.client.get(url, headers=self._headers(hx, kwargs), **kwargs)

    def post(self, url, data=None, hx=False, **kwargs):
        data = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=data, headers=self._headers(hx, kwargs), **kwargs)

    def _headers(self, hx, kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if hx:
            headers["HX-Request"] = "true"
        return headers


def sign_in(client, email, password=PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
    )


@pytest.fixture
def login(app, staff_factory):
    """login(role) -> a signed-in Browserless client for a new staff member of that role."""

    def do_login(role="owner", client=None, **staff_kwargs):
        staff = staff_factory(role=role, **staff_kwargs)
        test_client = client or app.test_client()
        response = sign_in(test_client, staff.email)
        assert response.status_code == 303, response.text
        page = test_client.get("/clients")
        browser = Browserless(test_client, csrf_token_from(page.text))
        browser.staff = staff
        return browser

    return do_login


@pytest.fixture
def owner(login):
    return login("owner", name="Olivia Owner")


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is the statements the DB ran."""

    @contextmanager
    def counting():
        statements = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            if statement.split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.fixture
def today():
    return date.today()


@pytest.fixture
def job_worker(app):
    """A real job consumer for the test's app: one worker thread, polling often."""
    from app.core.jobs import queue_of

    consumer_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    handlers = {number: signal.getsignal(number) for number in consumer_signals}
    consumer = queue_of(app).create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for number, handler in handlers.items():  # start() took Ctrl-C over from pytest
            signal.signal(number, handler)
