"""Browser tests: the real app served from a background thread on a migrated SQLite file,
driven by Playwright in Debian's Chromium (never a downloaded browser)."""

import logging
import re
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from app import create_app
from app.auth.ops import add_staff
from app.clients import detail_ops
from app.core.database import write_transaction
from app.core.extensions import db
from app.core.jobs import queue_of
from app.core.sessions import SignedInStaff
from app.core.timeline import record
from app.models import Client
from e2e.helpers import VIEWPORTS, field

CHROMIUM = "/usr/bin/chromium"
CONSUMER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
STAFF_EMAIL = "frontdesk@example.com"
STAFF_NAME = "Fiona Front"
PASSWORD = "correct horse battery"  # noqa: S105  (a test account's password)
CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "e2e-secret",
    "DATA_KEY": "e2e-data-key",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 64,
    "DEFAULT_PHONE_REGION": "GB",
    "TIMEZONE": "Europe/London",
}


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.staff = None

    def make_staff(self, email: str, name: str, role: str = "owner") -> SignedInStaff:
        with self.app.app_context():
            return SignedInStaff.of(add_staff(email, name, role, PASSWORD))

    def make_client(self, **values) -> int:
        """Create a client through the same ops function the form uses; returns its id."""
        with self.app.app_context():
            return detail_ops.create_client(values, self.staff).id

    def record_history(self, client_id: int, count: int, tie_every: int = 10) -> list[str]:
        """Give a client `count` "client.updated" events, `tie_every` of them at the very
        same instant, so timeline pages must split ties. Returns the new city of each."""
        cities = [f"Town {number:02d}" for number in range(1, count + 1)]
        with self.app.app_context(), write_transaction() as session:
            client = session.get(Client, client_id)
            base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
            previous = client.city
            for number, city in enumerate(cities):
                moment = base.replace(hour=9 + number // tie_every)
                changes = {"city": [previous, city]}
                record(client, "client.updated", self.staff, changes=changes, at=moment)
                previous = city
        return cities


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(
        {
            **CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "ERASURE_LEDGER": str(path.parent / "erasure-ledger.jsonl"),  # not instance/
            "EXPORT_FILES_DIR": str(path.parent / "exports"),
        }
    )
    with app.app_context():
        upgrade()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    # A job consumer beside the server, as `make run` starts one (its queue sits beside
    # the database file). Its start takes the signals over: pytest gets them back after.
    handlers = {number: signal.getsignal(number) for number in CONSUMER_SIGNALS}
    consumer = queue_of(app).create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.3
    )
    consumer.start()
    live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    live.staff = live.make_staff(STAFF_EMAIL, STAFF_NAME)
    try:
        yield live
    finally:
        consumer.stop(graceful=True)
        for number, handler in handlers.items():
            signal.signal(number, handler)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def quick_expect():
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORTS["desk"], "locale": "en-GB"}


class ConsoleWatch:
    """Console errors and uncaught exceptions on a page (CSP violations land here too)."""

    def __init__(self, page: Page):
        self.messages: list[str] = []
        self.allowed: list[re.Pattern] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))

    def _on_console(self, message):
        if message.type == "error":
            where = message.location
            self.messages.append(f"{message.text} [{where.get('url')}:{where.get('lineNumber')}]")

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. the 422 of a form with errors)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@pytest.fixture
def console(page):
    page.set_default_timeout(10_000)
    watch = ConsoleWatch(page)
    yield watch
    assert watch.unexpected() == [], "console errors in the browser"


@pytest.fixture
def sign_in(page, console):
    def do_sign_in(email: str = STAFF_EMAIL, password: str = PASSWORD) -> Page:
        page.goto("/login")
        field(page, "Email").fill(email)
        field(page, "Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/clients$"))
        # The URL changes before the list's scripts have run: typing into the search box
        # that soon was lost on a busy machine (no htmx yet to send it).
        page.wait_for_load_state()
        return page

    return do_sign_in


@pytest.fixture
def staff_page(sign_in) -> Page:
    """A page signed in as the front-desk owner, on the client list."""
    return sign_in()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
