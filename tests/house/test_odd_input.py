"""Odd but harmless input is a 400, 403, 404 or 422, never a 500: a sweep of every route
with odd values for every parameter, as every role, and one test per case that was a 500."""

import functools
import io
import json
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FileField, StringField

from app.clients import alert_ops, alert_routes, detail_ops, label_ops, note_ops, privacy_ops
from app.core.extensions import db
from app.core.forms import Form
from app.core.paging import decode_cursor
from app.core.paths import MAX_ID, parse_id
from app.models import (
    LABEL_NAME_MAX_LENGTH,
    Client,
    Label,
    Note,
)
from tests.conftest import PASSWORD, Browserless, csrf_token_from, sign_in
from tests.helpers.odd import (
    JSON_VALUES,
    ODD_CURRENT_URLS,
    ODD_PATH_VALUES,
    ODD_VALUES,
    SOME_ODD_PATH_VALUES,
)
from tests.helpers.records import client_with_everything, sessions_of, url_of

ROLES = ("owner", "manager", "front_desk", "practitioner", "anonymous")


# Parameter names the routes read from request.args / request.form themselves.
REQUEST_NAMES = {
    "q",
    "after",
    "before",
    "label",
    "was",
    "show",
    "kind",
    "version",
    "pinned",
    "format",
    "policy",
    "reason",
    "severity",
    "text",
    "body",
    "name",
    "colour",
    "confirmation",
    "email",
    "password",
    "next",
}


def _form_classes() -> list[type]:
    import app.auth.forms  # noqa: F401  (every module with forms: all are subclasses now)
    import app.clients.forms  # noqa: F401

    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _form_field_names() -> set[str]:
    names = set()
    for cls in _form_classes():
        names.update(name for name in dir(cls) if hasattr(getattr(cls, name, None), "field_class"))
    return names - {"csrf_token"}


def _shared_records(app, actor) -> dict:
    """Records of other clients: another client with a note and an alert, a client in
    the trash, an erased client."""
    with app.app_context():
        other = detail_ops.create_client({"first_name": "Other", "last_name": "Person"}, actor)
        other_note = note_ops.add_note(other, "Someone else's note", actor)
        other_alert = alert_ops.add_alert(other, "info", "Someone else's alert", actor)
        trashed = detail_ops.create_client({"first_name": "Trashed", "last_name": "Person"}, actor)
        privacy_ops.delete_client(trashed, actor)
        erased = detail_ops.create_client({"first_name": "Erased", "last_name": "Person"}, actor)
        sessions = sessions_of(app, actor, other.id, "shared")
        privacy_ops.erase_client(erased, "Erased Person", actor)
        return {
            "client_id": [other.id, trashed.id, erased.id],
            "note_id": [other_note.id],
            "alert_id": [other_alert.id],
            "booking_id": [sessions["booking_id"]],
        }


def _names_for(rule, ids: dict, field_names: set[str]) -> list[str]:
    """Every name a request to this rule may read, bare and with the prefix its form
    uses ("new-name", "note-7-body", ...)."""
    prefixes = ["new"] if rule.endpoint == "settings.labels" else []
    for argument, prefix in (("note_id", "note"), ("alert_id", "alert"), ("label_id", "label")):
        if argument in rule.arguments:
            prefixes.append(f"{prefix}-{ids[argument]}")
    names = REQUEST_NAMES | field_names
    names |= {f"{prefix}-{name}" for prefix in prefixes for name in field_names}
    return sorted(names)


@functools.cache
def _encoded_items(items: tuple) -> str:
    return urlencode(items, doseq=True)


def _encoded(fields: dict) -> str:
    # Encoded once per distinct set: encoding a 10,000-character value for every name
    # costs more than the request does.
    return _encoded_items(
        tuple((name, tuple(v) if isinstance(v, list) else v) for name, v in fields.items())
    )


class Sweeper:
    """One role's browser; records every request that raised or answered 5xx."""

    def __init__(self, app, role, staff_factory):
        self.app = app
        self.role = role
        self.staff = None if role == "anonymous" else staff_factory(role=role)
        self.failures = []
        self.count = 0
        self.statuses = Counter()
        self.sign_in()

    def sign_in(self) -> None:
        test_client = self.app.test_client()
        if self.staff is None:
            page = test_client.get("/login")
        else:
            assert sign_in(test_client, self.staff.email, PASSWORD).status_code == 303
            page = test_client.get("/clients")
        self.browser = Browserless(test_client, csrf_token_from(page.text))

    def send(self, method, url, *, fields=None, hx=False, files=False, body=None):
        """`fields` go in the query string of a read and in the form of a write (as text,
        or each as a file); a write's query string repeats the short ones. `body` is
        sent as JSON instead."""
        self.count += 1
        headers = {}
        if hx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = ODD_CURRENT_URLS[self.count % len(ODD_CURRENT_URLS)]
        query = data = None
        if fields and method == "GET":
            query = _encoded(fields)
        elif method != "GET" and body is not None:
            data = json.dumps(body)
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.browser.token}
        elif method != "GET" and files:
            data = {name: (io.BytesIO(b"\x00\xff file"), "odd.txt") for name in fields}
            data["csrf_token"] = self.browser.token
        elif method != "GET":
            data = _encoded({"csrf_token": self.browser.token, **(fields or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if fields and all(len(str(value)) < 100 for value in fields.values()):
                query = _encoded(fields)
        try:
            response = self.browser.client.open(
                url, method=method, query_string=query, data=data, headers=headers
            )
        except Exception as error:  # raised through the test client: a 500 in production
            self.failures.append((self.role, method, url[:100], hx, repr(error)[:300]))
            return
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append((self.role, method, url[:100], hx, response.status_code))
        response.close()


def _sweep_rule(sweeper, rule, method, ids, others, field_names):
    base_url = url_of(rule, ids)
    names = _names_for(rule, ids, field_names)
    # Odd path parts, one at a time, the others valid; then ids of other records.
    odd_paths = ODD_PATH_VALUES if sweeper.role in ("owner", "anonymous") else SOME_ODD_PATH_VALUES
    for argument in sorted(rule.arguments):
        for index, odd in enumerate([*odd_paths, *others.get(argument, [])]):
            sweeper.send(method, url_of(rule, {**ids, argument: odd}), hx=index % 2 == 1)
    # Each odd value for every name at once.
    for index, value in enumerate(ODD_VALUES):
        sweeper.send(method, base_url, fields=dict.fromkeys(names, value), hx=index % 2 == 1)
    # Lists where one value is expected.
    sweeper.send(method, base_url, fields=dict.fromkeys(names, ["1", "²", ""]), hx=True)
    if method != "GET":
        # A file where text is expected (multipart), and a JSON body instead of a form.
        sweeper.send(method, base_url, fields=dict.fromkeys(names, ""), files=True)
        values = {name: JSON_VALUES[i % len(JSON_VALUES)] for i, name in enumerate(names)}
        sweeper.send(method, base_url, body=values, hx=True)
        sweeper.send(method, base_url, body=[1, "²"])


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_odd_input(make_app, staff_factory, role):
    app = make_app()
    owner = staff_factory(role="owner", name="Sweep Owner")
    others = _shared_records(app, owner)
    sweeper = Sweeper(app, role, staff_factory)
    field_names = _form_field_names()
    rules = list(_rules(app))
    assert {"clients.edit_note", "settings.labels", "auth.login"} <= {r.endpoint for r, _ in rules}
    for rule, method in rules:
        _sweep_rule(sweeper, rule, method, client_with_everything(app, owner), others, field_names)
        if rule.endpoint.startswith("auth.") and rule.endpoint != "auth.login":
            sweeper.sign_in()  # it may have signed this browser out
    assert not sweeper.failures, (
        f"{len(sweeper.failures)} of {sweeper.count} requests failed: {sweeper.failures[:20]}"
    )
    # The odd values reached the views (forms refused, pages shown), not only routing.
    expected = {200, 204, 302, 404} if role == "anonymous" else {200, 400, 403, 404, 422}
    assert expected <= set(sweeper.statuses), sweeper.statuses


def test_every_form_reads_only_the_posted_form_fields():
    forms = [cls for cls in _form_classes() if cls.__module__.startswith("app.")]
    assert len(forms) >= 8
    assert [cls for cls in forms if not issubclass(cls, Form) and cls is not Form] == []


def test_a_form_with_a_file_field_still_gets_its_file(app):
    class Upload(Form):
        class Meta:
            csrf = False

        photo = FileField("Photo")
        name = StringField("Name")

    data = {"photo": (io.BytesIO(b"image"), "photo.png"), "name": "Ada"}
    with app.test_request_context("/", method="POST", data=data):
        form = Upload()
        assert form.photo.data.filename == "photo.png" and form.name.data == "Ada"


# --- ids: ASCII digits in 1..MAX_ID, in one place ---------------------------------------


def test_parse_id_takes_ascii_digits_in_range_only():
    assert parse_id("1") == 1 and parse_id("0042") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    for text in ["²", "٣", "１", "-1", "+1", "1_0", " 1", "1\n", "0", "", str(MAX_ID + 1)]:
        assert parse_id(text) is None, text
    assert parse_id(str(10**20)) is None and parse_id("9" * 5000) is None
    assert parse_id(None) is None and parse_id(7) is None


ODD_IDS = ("٣", "１", "²", "-1", "+1", "1_0", str(10**20), "0")


def test_url_ids_are_ascii_digits(owner, client_factory):
    for _ in range(3):
        client_id = client_factory()  # clients 1..3 exist: "٣" and "１" used to name 3 and 1
    for part in ODD_IDS:
        assert owner.get(f"/clients/{quote(part)}").status_code == 404, part
        assert owner.post(f"/clients/{quote(part)}/lock", hx=True).status_code == 404, part
    assert owner.get(f"/clients/{client_id:03d}").status_code == 200  # "003" is client 3


def test_list_cursor_and_label_filter_with_odd_digits_are_400(owner, client_factory):
    client_factory()
    for value in ODD_IDS:
        assert owner.get("/clients", query_string={"after": value}).status_code == 400
        response = owner.get("/clients", query_string={"label": value}, hx=True)
        assert response.status_code == 400


def test_page_cursors_are_ascii_digits(owner, client_factory):
    client_id = client_factory()
    for cursor in ["٣-٣", "１-1", "1-1\n", "1-0", f"1-{MAX_ID + 1}"]:
        with pytest.raises(ValueError):
            decode_cursor(cursor)
        for page in ("activity/timeline", "notes"):
            url = f"/clients/{client_id}/{page}"
            assert owner.get(url, query_string={"before": cursor}, hx=True).status_code == 400
    assert decode_cursor("0-1")[1] == 1


def test_label_picker_refuses_odd_label_ids(app, owner, client_factory):
    client_id = client_factory()
    with app.app_context():
        label_id = label_ops.create_label("VIP", "teal", owner.staff).id
    response = owner.post(f"/clients/{client_id}/labels", {"label": ["²"]}, hx=True)
    assert response.status_code == 400
    response = owner.post(f"/clients/{client_id}/labels", {"label": [str(label_id), "٣"]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Client, client_id).version == 1  # nothing ticked


@pytest.mark.parametrize("version", ["²", "٣", "0", "-1", str(10**20)])
def test_odd_versions_are_refused_not_500(app, owner, client_factory, version):
    client_id = client_factory()
    edit = owner.post(
        f"/clients/{client_id}/edit", {"first_name": "Changed", "version": version}, hx=True
    )
    assert edit.status_code == 400
    with app.app_context():
        note_id = note_ops.add_note(db.session.get(Client, client_id), "Original", owner.staff).id
    prefix = f"note-{note_id}"
    note_edit = owner.post(
        f"/clients/{client_id}/notes/{note_id}/edit",
        {f"{prefix}-body": "Changed", f"{prefix}-version": version},
        hx=True,
    )
    assert note_edit.status_code == 400
    with app.app_context():
        assert db.session.get(Client, client_id).first_name == "Ada"
        assert db.session.get(Note, note_id).body == "Original"


# --- the lock on a client in the trash; refusals from ops --------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_lock_and_unlock_of_a_client_in_the_trash_are_404(app, login, client_factory, role):
    browser = login(role)
    locked, unlocked = client_factory(), client_factory(first_name="Bea")
    with app.app_context():
        privacy_ops.lock_client(db.session.get(Client, locked), "Asked for it", browser.staff)
        for client_id in (locked, unlocked):
            privacy_ops.delete_client(db.session.get(Client, client_id), browser.staff)
    for hx in (False, True):
        assert browser.post(f"/clients/{unlocked}/lock", {"reason": "x"}, hx=hx).status_code == 404
        assert browser.post(f"/clients/{locked}/unlock", hx=hx).status_code == 404
    with app.app_context():
        assert db.session.get(Client, locked).is_locked
        assert not db.session.get(Client, unlocked).is_locked


def test_a_refusal_from_ops_is_the_403_page(app, owner, client_factory, monkeypatch):
    """The route let it through (the client was moved to the trash between the route's
    check and the write, here: the check skipped); the ops function refuses."""
    client_id = client_factory()
    with app.app_context():
        client = db.session.get(Client, client_id)
        alert_id = alert_ops.add_alert(client, "info", "Old", owner.staff).id
        privacy_ops.delete_client(client, owner.staff)
    monkeypatch.setattr(alert_routes, "require_details", lambda row: None)
    response = owner.post(
        f"/clients/{client_id}/alerts/{alert_id}/edit",
        {f"alert-{alert_id}-severity": "info", f"alert-{alert_id}-text": "New"},
        hx=True,
    )
    assert response.status_code == 403 and "Not allowed" in response.text


# --- what is stored fits its column ---------------------------------------------------


@pytest.mark.parametrize("letter, folded, twin", [("ß", "ss", "ẞ"), ("ﬃ", "ffi", "ﬃ")])
def test_label_names_that_fold_longer_are_stored(app, owner, letter, folded, twin):
    """PostgreSQL refused a case-folded key longer than the name's own column (a 500)."""
    name = letter * LABEL_NAME_MAX_LENGTH
    created = owner.post("/settings/labels", {"new-name": name, "new-colour": "teal"})
    assert created.status_code == 303
    with app.app_context():
        label = db.session.scalar(select(Label).where(Label.name == name))
        assert label.name_key == folded * LABEL_NAME_MAX_LENGTH
    same = twin * LABEL_NAME_MAX_LENGTH  # folds to the same key
    duplicate = owner.post("/settings/labels", {"new-name": same, "new-colour": "red"}, hx=True)
    assert duplicate.status_code == 422 and "already a label called" in duplicate.text


def test_ops_refuse_a_label_name_that_does_not_fit(app, owner):
    with app.app_context():
        with pytest.raises(label_ops.LabelNameRefused, match="at most 40"):
            label_ops.create_label("x" * (LABEL_NAME_MAX_LENGTH + 1), "teal", owner.staff)
        label = label_ops.create_label("Fits", "teal", owner.staff)
        with pytest.raises(label_ops.LabelNameRefused):
            label_ops.update_label(label, "ß" * (LABEL_NAME_MAX_LENGTH + 1), "teal", owner.staff)
        with pytest.raises(label_ops.LabelNameRefused):
            label_ops.create_label(" \u3000 ", "teal", owner.staff)
    with app.app_context():
        assert db.session.scalars(select(Label.name)).all() == ["Fits"]


# --- a file or a JSON body where text is expected ----------------------------------------


def test_sign_in_with_a_file_for_a_field_is_422(client):
    token = csrf_token_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": (io.BytesIO(b"a@b.c"), "e.txt"), "password": "x"},
    )
    assert response.status_code == 422 and "Enter your email." in response.text


def test_client_form_with_a_file_keeps_what_was_typed(app, owner, client_factory):
    response = owner.post(
        "/clients/new",
        {"first_name": (io.BytesIO(b"Ada"), "name.txt"), "last_name": "Okafor"},
        hx=True,
    )
    assert response.status_code == 422
    assert "Enter a first name." in response.text and 'value="Okafor"' in response.text
    client_id = client_factory()
    edit = owner.post(
        f"/clients/{client_id}/edit",
        {"first_name": "Ada", "email": (io.BytesIO(b"x"), "e.txt"), "version": "1"},
        hx=True,
    )
    assert edit.status_code == 200  # the file is no email: the field is simply not sent
    with app.app_context():
        assert db.session.get(Client, client_id).email is None


def test_note_form_with_a_file_is_422(app, owner, client_factory):
    client_id = client_factory()
    response = owner.post(
        f"/clients/{client_id}/notes/new", {"body": (io.BytesIO(b"secret"), "n.txt")}, hx=True
    )
    assert response.status_code == 422 and "Write something in the note." in response.text
    with app.app_context():
        assert db.session.scalars(select(Note)).all() == []


@pytest.mark.parametrize("body", [{"first_name": 5}, {"first_name": ["Ada"]}, [1, 2], 7])
def test_a_json_body_is_not_a_form(owner, body):
    response = owner.client.post(
        "/clients/new",
        json=body,
        headers={"X-CSRFToken": owner.token, "HX-Request": "true"},
    )
    assert response.status_code == 422 and "Enter a first name." in response.text


# --- htmx headers --------------------------------------------------------------------


def test_signed_out_htmx_request_with_an_odd_current_url(client):
    for current_url in ODD_CURRENT_URLS:
        response = client.get(
            "/clients", headers={"HX-Request": "true", "HX-Current-URL": current_url}
        )
        assert response.status_code == 204
        assert response.headers["HX-Redirect"].startswith("/login")
