"""Several staff working on one client at the same moment, through the real server
(gunicorn, 2 workers) on SQLite and PostgreSQL: nobody's acknowledged change is undone
by someone else, disjoint field edits never conflict, and nothing answers 5xx or
"database is locked"."""

import threading
from html.parser import HTMLParser

import phonenumbers
from sqlalchemy import select

from app.clients import label_ops
from app.core.extensions import db
from app.models import Activity, Client, client_labels
from tests.helpers.concurrency import Outcomes, run_together, server_log_problems
from tests.helpers.live_server import gunicorn_server, sign_in_over_http

STAFF = 8
ROUNDS = 5
TOGGLES = 12
# One field per colleague: each changes only their own.
OWNED_FIELDS = (
    "last_name",
    "email",
    "phone",
    "whatsapp",
    "address",
    "city",
    "state",
    "postal_code",
)
PHONES = ("020 7946 0{:03d}", "0161 496 0{:03d}")


class FormReader(HTMLParser):
    """The values a browser would post from one form: inputs, selected options and
    textareas, as drawn by the server."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self._select = None
        self._selected = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return
            self.values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select, self._selected = name, ""
        elif tag == "option" and self._select and "selected" in attrs:
            self._selected = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select" and self.inside and self._select:
            self.values[self._select] = [self._selected]
            self._select = None
        if tag == "form":
            self.inside = False


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.values, f"no form #{form_id} in the answer"
    return reader.values


def test_staff_ticking_labels_at_once_never_undo_each_other(
    app, staff_factory, client_factory, tmp_path, database_url
):
    staff = [staff_factory(role="front_desk") for _ in range(STAFF)]
    owner = staff_factory(role="owner")
    client_id = client_factory(first_name="Tick", last_name="Together")
    with app.app_context():
        labels = [label_ops.create_label(f"Group {n}", "teal", owner).id for n in range(STAFF)]
    outcomes = Outcomes()
    last_acknowledged: dict[int, bool] = {}
    error_log = tmp_path / "error.log"

    with gunicorn_server(database_url, error_log=error_log) as base_url:
        sessions = [sign_in_over_http(base_url, member.email) for member in staff]
        barrier = threading.Barrier(STAFF)
        url = f"/clients/{client_id}/labels"

        def colleague(index: int) -> None:
            http, mine = sessions[index], str(labels[index])
            picker = http.get(url, headers={"HX-Request": "true"})
            barrier.wait()
            for toggle in range(TOGGLES):
                # What the browser posts on a tick: the picker as drawn, with one box
                # changed (ticked on even turns, unticked on odd ones).
                drawn = form_values(picker.text, "label-picker")
                ticked = set(drawn.get("label", [])) - {mine}
                if toggle % 2 == 0:
                    ticked.add(mine)
                answer = http.post(
                    url,
                    data={"label": sorted(ticked), "was": drawn.get("was", [])},
                    headers={"HX-Request": "true"},
                )
                if not outcomes.add(answer, {200}, f"colleague {index} tick {toggle}"):
                    return
                last_acknowledged[labels[index]] = toggle % 2 == 0
                # The redrawn picker shows this person's own tick as they left it.
                shown = set(form_values(answer.text, "label-picker").get("label", []))
                if (mine in shown) != (toggle % 2 == 0):
                    outcomes.problems.append(f"colleague {index} tick {toggle} undone at once")
                picker = answer

        run_together(colleague, STAFF)

    assert not outcomes.problems, outcomes.problems[:10]
    assert len(outcomes.statuses) == STAFF * TOGGLES
    assert not server_log_problems(error_log)
    with app.app_context():
        held = set(
            db.session.scalars(
                select(client_labels.c.label_id).where(client_labels.c.client_id == client_id)
            )
        )
    undone = [label for label, on in last_acknowledged.items() if (label in held) != on]
    assert undone == [], f"{len(undone)} labels left unlike their last acknowledged tick"


def _value_for(field: str, index: int, round_number: int) -> str:
    if field in ("phone", "whatsapp"):
        return PHONES[field == "whatsapp"].format(round_number * 10 + index)
    if field == "email":
        return f"round{round_number}.colleague{index}@example.com"
    if field == "postal_code":
        return f"PC{round_number}{index}"
    return f"{field.replace('_', ' ').title()} {round_number}-{index}"


def test_staff_editing_different_fields_at_once_all_save_without_conflict(
    app, staff_factory, client_factory, tmp_path, database_url
):
    staff = [staff_factory(role="front_desk") for _ in range(STAFF)]
    client_id = client_factory(first_name="Many", last_name="Hands", city="Leeds")
    outcomes = Outcomes()
    error_log = tmp_path / "error.log"

    with gunicorn_server(database_url, error_log=error_log) as base_url:
        sessions = [sign_in_over_http(base_url, member.email) for member in staff]
        barrier = threading.Barrier(STAFF)
        url = f"/clients/{client_id}/edit"

        def colleague(index: int) -> None:
            http, field = sessions[index], OWNED_FIELDS[index]
            for round_number in range(ROUNDS):
                # Everyone opens the form, then everyone saves: all but the first save
                # of a round are stale.
                seen = form_values(http.get(url).text, "client-form")
                barrier.wait()
                typed = {name: values[0] for name, values in seen.items()}
                typed[field] = _value_for(field, index, round_number)
                answer = http.post(url, data=typed, allow_redirects=False)
                outcomes.add(answer, {303}, f"colleague {index} round {round_number}")
                barrier.wait()

        run_together(colleague, STAFF)

    conflicts = outcomes.statuses.count(409)
    assert conflicts == 0, f"{conflicts} of {len(outcomes.statuses)} disjoint saves got 409"
    assert not outcomes.problems, outcomes.problems[:10]
    assert len(outcomes.statuses) == STAFF * ROUNDS
    assert not server_log_problems(error_log)
    last_round = ROUNDS - 1
    with app.app_context():
        client = db.session.get(Client, client_id)
        saved = {field: getattr(client, field) for field in ("first_name", *OWNED_FIELDS)}
        edits = db.session.scalars(
            select(Activity.changes).where(
                Activity.client_id == client_id, Activity.verb == "client.updated"
            )
        ).all()
    # Everyone's last save landed, and nobody's stale form put an old value back.
    for index, field in enumerate(OWNED_FIELDS):
        assert saved[field] == as_stored(field, _value_for(field, index, last_round)), field
    assert saved["first_name"] == "Many"
    # Each acknowledged save is one event quoting only its editor's field.
    assert len(edits) == STAFF * ROUNDS
    assert all(len(changes) == 1 for changes in edits)


def as_stored(field: str, typed: str) -> str:
    if field in ("phone", "whatsapp"):
        number = phonenumbers.parse(typed, "GB")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return typed
