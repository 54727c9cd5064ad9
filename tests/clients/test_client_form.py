"""The client form: validation beside each field, nothing typed lost, 422 for htmx, E.164."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.clients import detail_ops, label_ops
from app.core.extensions import db
from app.models import Activity, Client

VALID = {
    "first_name": "Amara",
    "last_name": "Okafor",
    "email": "Amara.Okafor@Example.com",
    "phone": "020 7946 0958",
    "whatsapp": "+33 6 12 34 56 78",
    "birth_date": "1990-04-12",
    "preferred_language": "fr",
    "address": "12 Baker Street",
    "city": "London",
    "state": "",
    "postal_code": "NW1 6XE",
    "country": "GB",
}


def stored(app, client_id):
    with app.app_context():
        return db.session.get(Client, client_id)


def test_new_client_form_has_every_field_labelled(owner):
    page = owner.get("/clients/new").text
    for label in [
        "First name",
        "Last name",
        "Email",
        "Phone",
        "WhatsApp",
        "Birth date",
        "Preferred language",
        "Address",
        "City",
        "State",
        "Postal code",
        "Country",
    ]:
        assert f">{label}" in page, label
    assert ">Save</button>" in page
    assert '<option value="fr">French</option>' in page
    assert '<option value="GB">United Kingdom</option>' in page


def test_create_stores_normalised_values_and_redirects_to_the_profile(app, owner):
    response = owner.post("/clients/new", data=VALID)
    assert response.status_code == 303
    client_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client = stored(app, client_id)
    assert client.email == "amara.okafor@example.com"
    assert client.phone == "+442079460958"
    assert client.whatsapp == "+33612345678"
    assert client.birth_date == date(1990, 4, 12)
    assert client.state is None  # blank stays empty, not ""
    assert client.created_by_id == owner.staff.id


def test_htmx_create_answers_with_hx_redirect(owner):
    response = owner.post("/clients/new", data=VALID, hx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/clients/")


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("first_name", "", "Enter a first name."),
        ("first_name", "   ", "Enter a first name."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "a@b", "Enter a valid email address."),
        ("phone", "12", "not a valid phone number"),
        ("phone", "call me maybe", "does not look like a phone number"),
        ("whatsapp", "+44 1234", "not a valid phone number"),
        ("birth_date", (date.today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
        ("birth_date", "1899-12-31", "after 1900"),
        ("birth_date", "31/02/2000", "Enter a real date"),
        ("preferred_language", "xx-evil", "Not a valid choice."),
        ("country", "XX", "Not a valid choice."),
        ("first_name", "A" * 101, "Use at most 100 characters."),
        ("address", "x" * 201, "Use at most 200 characters."),
        ("postal_code", "1" * 21, "Use at most 20 characters."),
        ("city", "Lon\x00don", "control characters"),
        ("last_name", "Ok\x07afor", "control characters"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_keeps_everything(
    app, owner, field, value, message
):
    data = {**VALID, field: value}
    response = owner.post("/clients/new", data=data, hx=True)
    assert response.status_code == 422
    html = response.text
    assert "<html" not in html
    error_at = html.index(f'id="{field}-error"')
    assert message in html[error_at : error_at + 300]
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    # Everything else typed comes back.
    for other in ("last_name", "address", "city", "postal_code"):
        if other != field:
            assert f'value="{VALID[other]}"' in html, other
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_a_plain_post_with_errors_returns_the_whole_page_with_422(owner):
    response = owner.post("/clients/new", data={**VALID, "email": "nope"})
    assert response.status_code == 422
    assert "<html" in response.text
    assert 'value="nope"' in response.text


def test_client_limit_stops_creation_with_a_clear_message(make_app, login):
    app = make_app(MAX_CLIENTS=1)
    desk = login("front_desk", client=app.test_client())
    assert desk.post("/clients/new", data=VALID).status_code == 303
    refused = desk.post("/clients/new", data={**VALID, "first_name": "Second"}, hx=True)
    assert refused.status_code == 422
    assert "allows 1 clients" in refused.text
    assert 'value="Second"' in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1


def form_version(html: str) -> str:
    """The version the edit form was filled from (its hidden field)."""
    return html.split('name="version" type="hidden" value="')[1].split('"')[0]


def test_edit_shows_stored_values_and_saves_changes_with_an_audit(app, owner, client_factory):
    client_id = client_factory(first_name="Lena", last_name="Berg", phone="+442079460958")
    form = owner.get(f"/clients/{client_id}/edit").text
    assert 'value="020 7946 0958"' in form  # shown the way people read it
    response = owner.post(
        f"/clients/{client_id}/edit",
        data={
            "first_name": "Lena",
            "last_name": "Berg-Olsen",
            "phone": "020 7946 0958",
            "city": "Oslo",
            "version": form_version(form),
        },
    )
    assert response.status_code == 303
    client = stored(app, client_id)
    assert (client.last_name, client.city, client.phone) == ("Berg-Olsen", "Oslo", "+442079460958")
    assert client.updated_by_id == owner.staff.id
    with app.app_context():
        update = db.session.scalars(
            select(Activity).where(
                Activity.client_id == client_id, Activity.verb == "client.updated"
            )
        ).one()
    assert update.changes == {"last_name": ["Berg", "Berg-Olsen"], "city": [None, "Oslo"]}
    assert update.actor_id == owner.staff.id


def test_saving_without_changes_records_nothing(app, owner, client_factory):
    client_id = client_factory(first_name="Same", last_name="As Before")
    owner.post(
        f"/clients/{client_id}/edit",
        data={"first_name": "Same", "last_name": "As Before", "version": "1"},
    )
    with app.app_context():
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.client_id == client_id)
        ).all()
    assert verbs == ["client.created"]


def test_htmx_edit_returns_the_overview_and_refreshes_the_header(owner, client_factory):
    client_id = client_factory(first_name="Rui", last_name="Costa")
    response = owner.post(
        f"/clients/{client_id}/edit",
        data={"first_name": "Rui", "last_name": "Costa Lima", "version": "1"},
        hx=True,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="profile-tab"' in response.text
    assert 'hx-swap-oob="true"' in response.text and "Rui Costa Lima</h1>" in response.text
    assert response.headers["HX-Push-Url"] == f"/clients/{client_id}"


def test_htmx_edit_error_returns_the_form_with_422(owner, client_factory):
    client_id = client_factory(first_name="Kim")
    response = owner.post(
        f"/clients/{client_id}/edit",
        data={"first_name": "", "email": "kim@", "version": "1"},
        hx=True,
    )
    assert response.status_code == 422
    assert "Enter a first name." in response.text
    assert 'value="kim@"' in response.text


def test_edit_of_an_unknown_client_is_404(owner):
    assert owner.get("/clients/999999/edit").status_code == 404
    assert owner.post("/clients/999999/edit", data=VALID).status_code == 404


def test_writes_need_csrf(owner, client_factory):
    client_id = client_factory()
    assert owner.client.post("/clients/new", data=VALID).status_code == 400
    assert owner.client.post(f"/clients/{client_id}/edit", data=VALID).status_code == 400
    # htmx sends the token in a header instead of the form.
    response = owner.client.post(
        "/clients/new",
        data={**VALID, "csrf_token": ""},
        headers={"HX-Request": "true", "X-CSRFToken": owner.token},
    )
    assert response.status_code == 204


def test_overlong_and_odd_text_never_reaches_the_database_as_an_error(owner):
    data = {
        **VALID,
        "first_name": "Ünïcødé 名前 🙂",
        "last_name": "O'Brien-Łukasz",
        "city": "Zürich",
    }
    assert owner.post("/clients/new", data=data).status_code == 303
    odd = {**VALID, "email": "x" * 300 + "@example.com", "phone": "9" * 5000}
    response = owner.post("/clients/new", data=odd)
    assert response.status_code == 422


def test_update_leaves_fields_it_was_not_given(app, client_factory, staff_factory):
    client_id = client_factory(first_name="Keep", email="keep@example.com", city="Leeds")
    editor = staff_factory()
    with app.app_context():
        changes = detail_ops.update_client(
            db.session.get(Client, client_id), {"city": "York"}, editor
        )
    assert changes == {"city": ["Leeds", "York"]}
    client = stored(app, client_id)
    assert (client.first_name, client.email, client.city) == ("Keep", "keep@example.com", "York")


def test_a_save_without_its_version_is_refused_and_changes_nothing(app, owner, client_factory):
    client_id = client_factory(first_name="Ada", city="Leeds")
    response = owner.post(f"/clients/{client_id}/edit", data={"first_name": "Ada"}, hx=True)
    assert response.status_code == 400
    assert stored(app, client_id).city == "Leeds"  # the missing field did not blank it


def test_a_stale_save_of_other_fields_applies_only_what_its_editor_changed(
    app, login, client_factory
):
    client_id = client_factory(
        first_name="Ines", last_name="Duarte", phone="+442079460958", city="Porto"
    )
    desk = login("front_desk")
    manager = login("manager")
    version = form_version(desk.get(f"/clients/{client_id}/edit").text)
    base = {"first_name": "Ines", "last_name": "Duarte", "phone": "020 7946 0958"}
    saved = manager.post(
        f"/clients/{client_id}/edit",
        data={**base, "phone": "020 7946 0000", "city": "Porto", "version": version},
    )
    assert saved.status_code == 303
    # The desk, still on the old form (old phone in it), changes the city only.
    stale = desk.post(
        f"/clients/{client_id}/edit", data={**base, "city": "Lisbon", "version": version}
    )
    assert stale.status_code == 303
    client = stored(app, client_id)
    assert (client.phone, client.city) == ("+442079460000", "Lisbon")  # both changes kept
    with app.app_context():
        changes = db.session.scalars(
            select(Activity.changes)
            .where(Activity.client_id == client_id, Activity.verb == "client.updated")
            .order_by(Activity.id)
        ).all()
    assert changes == [
        {"phone": ["+442079460958", "+442079460000"]},
        {"city": ["Porto", "Lisbon"]},  # the desk's save quotes only its own field
    ]


def test_changes_that_are_not_field_edits_never_conflict_with_an_edit(
    app, owner, login, client_factory
):
    client_id = client_factory(first_name="Noor", city="Leeds")
    desk = login("front_desk")
    version = form_version(desk.get(f"/clients/{client_id}/edit").text)
    with app.app_context():
        vip = label_ops.create_label("VIP", "teal", owner.staff).id
    owner.post(f"/clients/{client_id}/labels", data={"label": [str(vip)]})
    owner.post(f"/clients/{client_id}/alerts/new", data={"severity": "info", "text": "Tea"})
    owner.post(
        f"/clients/{client_id}/booking-policy", data={"policy": "approval", "reason": "Late"}
    )
    assert stored(app, client_id).version > int(version)
    saved = desk.post(
        f"/clients/{client_id}/edit",
        data={"first_name": "Noor", "city": "York", "version": version},
    )
    assert saved.status_code == 303
    assert stored(app, client_id).city == "York"


def test_a_field_changed_by_both_answers_409_with_both_values_and_loses_nothing(
    app, login, client_factory
):
    client_id = client_factory(
        first_name="Ines", last_name="Duarte", phone="+442079460958", city="Porto"
    )
    desk = login("front_desk", name="Desk Person")
    manager = login("manager", name="Maria Manager")
    version = form_version(desk.get(f"/clients/{client_id}/edit").text)
    base = {"first_name": "Ines", "phone": "020 7946 0958", "city": "Porto", "version": version}
    # The manager changes the city and the last name.
    saved = manager.post(
        f"/clients/{client_id}/edit", data={**base, "last_name": "Duarte Reis", "city": "Braga"}
    )
    assert saved.status_code == 303
    # The desk, on the old form, changes the city too, and the phone.
    stale = desk.post(
        f"/clients/{client_id}/edit",
        data={**base, "last_name": "Duarte", "phone": "020 7946 0000", "city": "Lisbon"},
        hx=True,
    )
    assert stale.status_code == 409
    html = stale.text
    assert "Maria Manager changed the same field while you were editing" in html
    conflict = html[html.index('id="edit-conflict"') : html.index("</table>")]
    assert "Braga" in conflict and "Lisbon" in conflict  # theirs and yours
    assert "Phone" not in conflict and "Last name" not in conflict  # only the clash
    assert 'value="Lisbon"' in html and 'value="020 7946 0000"' in html  # typed, kept
    assert 'value="Duarte Reis"' in html  # the manager's other change, now in the form
    client = stored(app, client_id)
    assert (client.phone, client.city) == ("+442079460958", "Braga")  # nothing written
    # Saving the form as it came back applies the desk's choices on the new version and
    # keeps the manager's last name.
    new_version = form_version(html)
    assert int(new_version) == client.version
    again = desk.post(
        f"/clients/{client_id}/edit",
        data={
            "first_name": "Ines",
            "last_name": "Duarte Reis",
            "phone": "020 7946 0000",
            "city": "Lisbon",
            "version": new_version,
        },
    )
    assert again.status_code == 303
    client = stored(app, client_id)
    assert (client.last_name, client.phone, client.city) == (
        "Duarte Reis",
        "+442079460000",
        "Lisbon",
    )
