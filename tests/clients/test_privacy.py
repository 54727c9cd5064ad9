"""Lock, trash and restore, the client limit, erasure, export and the audit filters."""

import csv
import io
import json
import re

import pytest
from sqlalchemy import MetaData, Table, inspect, select, text

from app.clients import detail_ops, privacy_ops, rules
from app.core.extensions import db
from app.models import Activity, Base, Client, Erasure


@pytest.fixture
def locked(app, owner, client_factory):
    client_id = client_factory(first_name="Lockie")
    response = owner.post(f"/clients/{client_id}/lock", {"reason": "Details verified"}, hx=True)
    assert response.status_code == 200 and "Locked" in response.text
    return client_id


def test_a_reason_ending_its_sentence_gets_no_second_full_stop(owner, client_factory):
    client_id = client_factory(first_name="Dotty")
    owner.post(f"/clients/{client_id}/lock", {"reason": "Identity checked."}, hx=True)
    page = owner.get(f"/clients/{client_id}").text
    assert "Identity checked." in page and "Identity checked.." not in page


def test_lock_shows_who_when_and_why(owner, locked):
    page = owner.get(f"/clients/{locked}").text
    assert "Locked</strong> by Olivia Owner" in page and "Details verified." in page
    assert "Unlock profile" in page and "Lock profile" not in page
    timeline = owner.get(f"/clients/{locked}/activity/timeline").text
    assert "Profile locked" in timeline and "Details verified" in timeline


def test_front_desk_cannot_change_a_locked_profile_but_can_add_notes(login, locked):
    desk = login("front_desk")
    page = desk.get(f"/clients/{locked}").text
    for control in ("Manage labels", ">Edit</a>", "Lock profile", "Unlock profile", ">Delete</a>"):
        assert control not in page
    assert "New note" in page
    for url, data in [
        (f"/clients/{locked}/edit", {"first_name": "Changed"}),
        (f"/clients/{locked}/labels", {}),
        (f"/clients/{locked}/alerts/new", {"severity": "info", "text": "x"}),
        (f"/clients/{locked}/booking-policy", {"policy": "allow"}),
        (f"/clients/{locked}/delete", {}),
        (f"/clients/{locked}/unlock", {}),
    ]:
        assert desk.get(url).status_code in (403, 405), url
        assert desk.post(url, data).status_code == 403, url
    assert desk.post(f"/clients/{locked}/notes/new", {"body": "Still allowed"}).status_code == 303


def test_lock_is_checked_by_ops_too(app, staff_factory, locked):
    desk = staff_factory(role="front_desk")
    with app.app_context():
        client = db.session.get(Client, locked)
        with pytest.raises(rules.ProfileLocked):
            detail_ops.update_client(client, {"first_name": "Sneaky"}, desk)
        with pytest.raises(PermissionError):
            privacy_ops.unlock_client(client, desk)


def test_owner_edits_a_locked_profile_and_unlocks_it(owner, locked):
    assert owner.get(f"/clients/{locked}/edit").status_code == 200
    owner.post(f"/clients/{locked}/unlock")
    page = owner.get(f"/clients/{locked}").text
    assert "Lock profile" in page and "Locked</strong>" not in page


def test_the_lock_covers_the_way_back_from_the_trash(app, owner, login, locked):
    assert owner.post(f"/clients/{locked}/delete").status_code == 303
    desk = login("front_desk")
    assert "Restore" not in desk.get(f"/clients/{locked}").text
    assert "Restore Lockie" not in desk.get("/clients?show=deleted").text
    assert desk.post(f"/clients/{locked}/restore").status_code == 403
    with app.app_context():
        client = db.session.get(Client, locked)
        assert client.in_trash
        with pytest.raises(rules.ProfileLocked):
            privacy_ops.restore_client(client, desk.staff)
    assert owner.post(f"/clients/{locked}/restore").status_code == 303


def test_delete_moves_to_trash_and_restore_brings_back(app, login, client_factory):
    desk = login("front_desk")
    client_id = client_factory(first_name="Trashy", last_name="Person")
    confirm = desk.get(f"/clients/{client_id}/delete")
    assert confirm.status_code == 200 and "Delete client" in confirm.text
    deleted = desk.post(f"/clients/{client_id}/delete")
    assert deleted.status_code == 303 and deleted.location.endswith("/clients?show=deleted")
    assert "Trashy" not in desk.get("/clients").text
    assert "Trashy" not in desk.get("/clients?q=trashy", hx=True).text
    trash = desk.get("/clients?show=deleted").text
    assert "Trashy" in trash and 'aria-label="Restore Trashy Person"' in trash
    profile = desk.get(f"/clients/{client_id}").text
    assert "In the trash" in profile and ">Restore</button>" in profile
    assert desk.post(f"/clients/{client_id}/notes/new", {"body": "x"}).status_code == 403

    assert desk.post(f"/clients/{client_id}/restore").status_code == 303
    assert "Trashy" in desk.get("/clients").text
    assert desk.post(f"/clients/{client_id}/restore").status_code == 404
    with app.app_context():
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id).order_by(Activity.id)
        ).all()
    assert verbs[-2:] == ["client.deleted", "client.restored"]


def test_practitioners_cannot_delete(login, client_factory):
    practitioner = login("practitioner")
    client_id = client_factory()
    assert practitioner.get(f"/clients/{client_id}/delete").status_code == 403
    assert practitioner.post(f"/clients/{client_id}/delete").status_code == 403


def test_client_limit_on_create_and_restore(make_app, login, staff_factory):
    app = make_app(MAX_CLIENTS=2)
    actor = staff_factory()
    with app.app_context():
        first = detail_ops.create_client({"first_name": "One"}, actor)
        detail_ops.create_client({"first_name": "Two"}, actor)
        with pytest.raises(rules.ClientLimitReached):
            detail_ops.create_client({"first_name": "Three"}, actor)
        privacy_ops.delete_client(first, actor)
        detail_ops.create_client({"first_name": "Three"}, actor)  # the trash does not count
        first_id = first.id
    browser = app.test_client()
    from tests.conftest import Browserless, csrf_token_from, sign_in

    sign_in(browser, actor.email)
    owner = Browserless(browser, csrf_token_from(browser.get("/clients").text))
    refused = owner.post(f"/clients/{first_id}/restore", hx=True)
    assert refused.status_code == 422 and "allows 2 clients" in refused.text
    with app.app_context():
        assert db.session.get(Client, first_id).deleted_at is not None
    new = owner.post("/clients/new", {"first_name": "Four"}, hx=True)
    assert new.status_code == 422 and "allows 2 clients" in new.text


MARKER = "Qx7marker"


def test_erase_wipes_every_personal_detail(app, owner, client_factory, count_queries):
    label = owner.post("/settings/labels", {"new-name": "Marked", "new-colour": "red"})
    assert label.status_code == 303
    client_id = client_factory(
        first_name=f"Ann{MARKER}",
        last_name=f"Oak{MARKER}",
        email=f"{MARKER.lower()}@example.com",
        phone="+442079461234",
        whatsapp="+442079465678",
        address=f"1 {MARKER} Road",
        city=f"{MARKER}ville",
        state=f"{MARKER}shire",
        postal_code="QX7 1AB",
        country="GB",
        preferred_language="en",
    )
    with app.app_context():  # an audit entry quoting old and new values
        client = db.session.get(Client, client_id)
        detail_ops.update_client(client, {"first_name": f"Anne{MARKER}"}, owner.staff)
    owner.post(f"/clients/{client_id}/notes/new", {"body": f"Note {MARKER}"})
    owner.post(f"/clients/{client_id}/alerts/new", {"severity": "info", "text": f"Alert {MARKER}"})
    owner.post(f"/clients/{client_id}/booking-policy", {"policy": "block", "reason": MARKER})
    owner.post(f"/clients/{client_id}/lock", {"reason": f"Lock {MARKER}"})
    with app.app_context():
        label_id = db.session.scalar(text("SELECT id FROM labels"))
    owner.post(f"/clients/{client_id}/labels", {"label": [str(label_id)]})

    wrong = owner.post(f"/clients/{client_id}/erase", {"confirmation": "Someone Else"})
    assert wrong.status_code == 422 and "full name exactly as shown" in wrong.text
    assert 'value="Someone Else"' in wrong.text
    erased = owner.post(
        f"/clients/{client_id}/erase", {"confirmation": f"anne{MARKER}  oak{MARKER}"}
    )
    assert erased.status_code == 303

    with app.app_context():
        dump = _database_text()
        erasure = db.session.scalar(select(Erasure))
    for secret in (MARKER, MARKER.lower(), "2079461234", "2079465678", "QX7 1AB", "7946 1234"):
        assert secret not in dump, secret
    assert erasure.masked_name == "A*** O***" and erasure.client_id == client_id

    page = owner.get(f"/clients/{client_id}").text
    assert '<h1 id="client-name">Deleted Client</h1>' in page
    assert "Personal data erased" in page
    timeline = owner.get(f"/clients/{client_id}/activity/timeline").text
    assert "Personal data erased" in timeline and "Value erased" in timeline
    log = owner.get("/settings/erasures").text
    assert "A*** O***" in log and "Olivia Owner" in log
    assert (
        owner.post(f"/clients/{client_id}/erase", {"confirmation": "Deleted Client"}).status_code
        == 404
    )
    assert f"Ann{MARKER}" not in owner.get("/clients?show=deleted").text


def _database_text() -> str:
    """Every value of every table, as text (SQLite's search index included)."""
    connection = db.session.connection()
    parts = []
    for name in inspect(connection).get_table_names():
        # The models' tables as declared (reflection cannot read an expression index);
        # the rest (SQLite's search index) as the database describes them.
        table = Base.metadata.tables.get(name)
        if table is None:
            table = Table(name, MetaData(), autoload_with=connection)
        for row in connection.execute(select(table)):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_only_owners_erase(login, client_factory):
    manager = login("manager")
    client_id = client_factory()
    assert manager.get(f"/clients/{client_id}/erase").status_code == 403
    assert (
        manager.post(f"/clients/{client_id}/erase", {"confirmation": "Ada Lovelace"}).status_code
        == 403
    )


def test_export_json_and_csv(app, owner, client_factory):
    client_id = client_factory(
        first_name="Exporta", email="exporta@example.com", phone="+442079460958"
    )
    owner.post(f"/clients/{client_id}/notes/new", {"body": "Decrypted for the export"})
    owner.post(f"/clients/{client_id}/alerts/new", {"severity": "warning", "text": "Latex"})
    response = owner.post(f"/clients/{client_id}/export", {"format": "json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.data)
    assert document["profile"]["first_name"] == "Exporta"
    assert document["notes"][0]["text"] == "Decrypted for the export"
    assert document["alerts"][0]["text"] == "Latex"
    assert {"profile", "labels", "notes", "alerts", "timeline"} <= document.keys()
    assert any(event["event"] == "Note added" for event in document["timeline"])

    csv_response = owner.post(f"/clients/{client_id}/export", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_response.text)))
    assert rows[0][:2] == ["Id", "First name"] and rows[1][1] == "Exporta"
    assert "+442079460958" in rows[1]
    timeline = owner.get(f"/clients/{client_id}/activity/timeline").text
    assert timeline.count("Data exported") == 2
    assert owner.post(f"/clients/{client_id}/export", {"format": "xml"}).status_code == 400


def test_csv_export_defuses_formulas(owner, client_factory):
    client_id = client_factory(first_name="=HYPERLINK(1)")
    rows = list(
        csv.reader(io.StringIO(owner.post(f"/clients/{client_id}/export", {"format": "csv"}).text))
    )
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_front_desk_cannot_export(login, client_factory):
    assert login("front_desk").post(f"/clients/{client_factory()}/export").status_code == 403


def test_activity_filters_are_in_the_url_and_page_lazily(app, owner, client_factory):
    client_id = client_factory(first_name="Audit")
    with app.app_context():
        detail_ops.update_client(
            db.session.get(Client, client_id), {"first_name": "Audited"}, owner.staff
        )
    owner.post(f"/clients/{client_id}/notes/new", {"body": "A note"})
    tab = owner.get(f"/clients/{client_id}/activity?kind=profile").text
    assert 'aria-current="true">Profile changes</a>' in tab
    assert f"/clients/{client_id}/activity/timeline?kind=profile" in tab
    profile_events = owner.get(f"/clients/{client_id}/activity/timeline?kind=profile", hx=True).text
    assert "Profile updated" in profile_events and "Note added" not in profile_events
    assert "Audit" in profile_events and "Audited" in profile_events  # old -> new
    notes = owner.get(f"/clients/{client_id}/activity/timeline?kind=notes", hx=True).text
    assert "Note added" in notes and "Profile updated" not in notes
    assert owner.get(f"/clients/{client_id}/activity?kind=nonsense").status_code == 404

    with app.app_context():
        from tests.helpers.timeline import add_events

    from datetime import UTC, datetime, timedelta

    base = datetime(2024, 1, 1, tzinfo=UTC)
    add_events(app, client_id, [base + timedelta(minutes=m) for m in range(30)])
    first = owner.get(f"/clients/{client_id}/activity/timeline?kind=profile", hx=True).text
    cursor = re.search(r"before=([\d-]+)&amp;kind=profile", first)
    assert cursor, "the next page keeps the filter"
