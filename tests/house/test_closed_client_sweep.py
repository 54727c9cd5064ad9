"""The sweep over client states: every form a staff page offers for a client and their
records (notes, alerts, sessions, memberships, credits, passes, messages, requests),
read while the client was open and posted once they are in the trash, erased or merged,
changes nothing of theirs. The same forms posted while the client is open do change it,
so the sweep posts what the routes accept, not noise they refuse anyway.

The forms are found by reading the pages as a browser would (the profile, its tabs and
every page whose URL takes the client's records), so a new area's forms join the sweep
without being listed here."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.clients import detail_ops, privacy_ops
from app.core.extensions import db
from app.data.merge import default_choices, merge_clients
from app.models import Client, utcnow
from tests.helpers.records import client_with_everything, url_of

# Writes that a closed client does accept, by state: the way back from the trash, the
# erasure of a client in the trash, and the one-client export (a read, recorded).
ALLOWED = {
    "trash": {"clients.restore", "clients.erase", "clients.export"},
    "erase": {"clients.export"},
    "merge": {"clients.export"},
}
# The URL arguments that name the client or one of their records.
CLIENT_RECORDS = {
    "client_id",
    "booking_id",
    "note_id",
    "alert_id",
    "membership_id",
    "grant_id",
    "pass_id",
    "email_id",
    "request_id",
    "merge_id",
}
# What a plain text box is given, by the kind of input.
TYPED = {
    "email": "sweep@example.com",
    "tel": "+447911123458",
    "number": "1",
    "time": "10:00",
    "date": (utcnow() + timedelta(days=3)).date().isoformat(),
}


# An empty box is filled as a person would, by what its name asks for.
BY_NAME = {
    "email": "sweep@example.com",
    "phone": "+447911123456",
    "whatsapp": "+447911123457",
    "birth": "1990-04-12",
    "amount": "10.00",
    "price": "10.00",
    "postal": "SW1A 1AA",
    "number": "SWEEP-PASS-1",
}


def _typed(name: str, kind: str, shown: str) -> str:
    if shown and kind in ("text", "search") and not re.fullmatch(r"[\d.,: -]+", shown):
        return shown + " changed"  # what the page shows, changed, as an edit would
    if shown:
        return shown
    for part, value in BY_NAME.items():
        if part in name:
            return value
    return TYPED.get(kind, "Sweep words")


class Forms(HTMLParser):
    """Every form that posts, as a browser would submit it: one submission per submit
    button that carries a name (a session's row has one per action)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = (attrs.get("action") or "", [], [])
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        kind = (attrs.get("type") or "text").lower()
        if tag == "button" or (tag == "input" and kind == "submit"):
            if name:
                self._form[2].append((name, attrs.get("value") or ""))
        elif tag == "input" and name:
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form[1].append((name, attrs.get("value") or "on"))
            elif kind != "file":
                self._form[1].append((name, _typed(name, kind, attrs.get("value") or "")))
        elif tag == "select" and name:
            self._select = [name, None, None]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value") or ""
            if "selected" in attrs:
                self._select[1] = value
            elif self._select[2] is None and value:
                self._select[2] = value
        elif tag == "textarea" and name:
            self._textarea = name

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[1].append((self._textarea, (data.strip() + " changed").strip()))
            self._textarea = None

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, chosen, first = self._select
            if chosen is not None or first is not None:
                self._form[1].append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form[1].append((self._textarea, "Sweep words"))
            self._textarea = None
        elif tag == "form":
            self._form = None


def _pages(app, ids: dict) -> list[str]:
    """The pages a browser may open about the client: every GET route whose arguments
    are the client's records (files and fragments of other people's work left out)."""
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments:
            continue
        if not rule.arguments <= set(ids) or rule.endpoint.startswith(("portal.", "kiosk.")):
            continue
        if rule.endpoint.endswith("static") or rule.rule.endswith(
            (".ics", ".csv", ".css", "/html", "/download")
        ):
            continue
        pages.append(url_of(rule, ids))
    return sorted(pages)


def _submissions(app, browser, ids: dict) -> list[tuple[str, str, dict]]:
    """(endpoint, action URL, fields) for every post a page about the client offers."""
    adapter = app.url_map.bind("localhost")
    found = {}
    for page in _pages(app, ids):
        response = browser.get(page)
        html = response.text if response.mimetype == "text/html" else ""
        response.close()
        if response.status_code != 200:
            continue
        parser = Forms()
        parser.feed(html)
        for action, fields, buttons in parser.forms:
            path = action.split("?")[0] or page
            try:
                endpoint, arguments = adapter.match(path, method="POST")
            except HTTPException:
                continue
            if not CLIENT_RECORDS & set(arguments):
                continue  # a setting (a label, a service, a plan), not the client's
            for button in buttons or [None]:
                data = dict(fields) | (dict([button]) if button else {})
                found.setdefault((endpoint, path, tuple(sorted(data.items()))), data)
    return [(endpoint, path, data) for (endpoint, path, _key), data in sorted(found.items())]


def _fingerprint(client_id: int) -> tuple:
    """Every row that belongs to the client: theirs, and every row of every table that
    points at clients, by that column."""
    rows = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column.table.name == "clients" for key in column.foreign_keys):
                found = db.session.execute(
                    select(table).where(column == client_id).order_by(*table.primary_key)
                ).all()
                rows.append((table.name, column.name, tuple(map(tuple, found))))
    clients = db.metadata.tables["clients"]
    rows.append(
        (
            "clients",
            tuple(db.session.execute(select(clients).where(clients.c.id == client_id)).one()),
        )
    )
    return tuple(rows)


def _close(app, owner, client_id: int, how: str) -> None:
    with app.app_context():
        client = db.session.get(Client, client_id)
        if how == "trash":
            privacy_ops.delete_client(client, owner)
        elif how == "erase":
            privacy_ops.erase_client(client, client.full_name, owner)
        else:
            other = detail_ops.create_client(
                {"first_name": "Surviving", "last_name": "Twin"}, owner
            )
            survivor = db.session.get(Client, other.id)
            choices = default_choices(survivor, [db.session.get(Client, client_id)])
            merge_clients(other.id, [client_id], choices, owner)


def _changed(app, client_id, send) -> bool:
    with app.app_context():
        before = _fingerprint(client_id)
    send()
    with app.app_context():
        db.session.expire_all()
        return _fingerprint(client_id) != before


def _post(browser, path, data):
    def send():
        response = browser.post(path, data)
        assert response.status_code < 500, (path, data, response.status_code)

    return send


@pytest.fixture
def sweeper(app, login):
    owner = login("owner", name="Sweep Owner")
    return owner


# Posted last on the open client: each ends what the others need (a note deleted, the
# client locked, trashed, erased or merged away).
LAST = ("delete_note", "lock", "delete", "erase", "merge")


def _rank(submission) -> tuple:
    endpoint = submission[0].split(".")[-1]
    return (LAST.index(endpoint) if endpoint in LAST else -1, submission[0])


def test_the_forms_of_an_open_client_change_it(app, sweeper):
    """The power of the sweep below: the forms it finds, posted while the client is
    open (the ones that end something last), are accepted and change the client."""
    ids = client_with_everything(app, sweeper.staff)
    submissions = sorted(_submissions(app, sweeper, ids), key=_rank)
    endpoints = {endpoint for endpoint, _path, _data in submissions}
    # Every area's writes about a client are reached.
    assert {
        "clients.edit",
        "clients.new_note",
        "clients.edit_note",
        "clients.new_alert",
        "clients.lock",
        "clients.delete",
        "bookings.session_action",
        "accounts.issue",
        "accounts.record_membership_payment",
    } <= endpoints, sorted(endpoints)
    changed = set()
    for endpoint, path, data in submissions:
        if _changed(app, ids["client_id"], _post(sweeper, path, data)):
            changed.add(endpoint)
    assert len(changed) >= 0.75 * len(endpoints), (sorted(endpoints - changed), sorted(changed))


@pytest.mark.parametrize("how", ["trash", "erase", "merge"])
def test_no_form_changes_a_closed_client(app, sweeper, how):
    ids = client_with_everything(app, sweeper.staff)
    client_id = ids["client_id"]
    submissions = _submissions(app, sweeper, ids)
    assert len(submissions) > 20
    _close(app, sweeper.staff, client_id, how)
    changed = []
    for endpoint, path, data in submissions:
        if endpoint in ALLOWED[how]:
            continue
        if _changed(app, client_id, _post(sweeper, path, data)):
            changed.append((endpoint, path, sorted(data)))
    assert changed == []
