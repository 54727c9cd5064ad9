"""Labels (client groups), alerts, online booking policy and profile completeness."""

import re

from sqlalchemy import select

from app.core.extensions import db
from app.models import Activity, Client, Label, client_labels


def make_label(owner, name, colour="teal"):
    response = owner.post("/settings/labels", {"new-name": name, "new-colour": colour})
    assert response.status_code == 303, response.text
    return label_id(owner, name)


def label_id(owner, name):
    page = owner.get("/settings/labels").text
    badge = r'id="label-(\d+)">\s*<span class="badge badge--\w+">'
    match = re.search(badge + re.escape(name), page)
    return int(match.group(1))


def test_settings_create_rename_recolour_delete_labels(app, owner, client_factory):
    vip = make_label(owner, "VIP", "purple")
    duplicate = owner.post("/settings/labels", {"new-name": " vip ", "new-colour": "red"}, hx=True)
    assert duplicate.status_code == 422 and "already a label called" in duplicate.text
    assert 'value=" vip "' in duplicate.text or 'value="vip"' in duplicate.text

    renamed = owner.post(
        f"/settings/labels/{vip}/edit",
        {f"label-{vip}-name": "Gold", f"label-{vip}-colour": "yellow"},
    )
    assert renamed.status_code == 303
    with app.app_context():
        label = db.session.get(Label, vip)
        assert (label.name, label.colour) == ("Gold", "yellow")

    client_id = client_factory()
    owner.post(f"/clients/{client_id}/labels", {"label": [str(vip)]})
    assert owner.post(f"/settings/labels/{vip}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(Label, vip) is None
        last = db.session.scalars(
            select(Activity).where(Activity.client_id == client_id).order_by(Activity.id.desc())
        ).first()
    assert last.verb == "client.labels_changed" and last.changes == {"labels": [["Gold"], []]}


def test_only_managers_and_owners_manage_labels(login):
    desk = login("front_desk")
    assert desk.get("/settings/labels").status_code == 403
    assert desk.post("/settings/labels", {"new-name": "X", "new-colour": "teal"}).status_code == 403


def test_bad_label_input(owner):
    blank = owner.post("/settings/labels", {"new-name": "", "new-colour": "teal"}, hx=True)
    assert blank.status_code == 422 and "Give the label a name." in blank.text
    colour = owner.post("/settings/labels", {"new-name": "Ok", "new-colour": "#fff"}, hx=True)
    assert colour.status_code == 422 and "Not a valid choice" in colour.text
    assert owner.get("/settings/labels/424242/edit").status_code == 404


def test_manage_labels_ticks_in_place_and_badges_show(app, owner, client_factory):
    vip, news = make_label(owner, "VIP"), make_label(owner, "Newsletter", "blue")
    client_id = client_factory()
    picker = owner.get(f"/clients/{client_id}/labels", hx=True)
    assert picker.status_code == 200 and 'id="label-picker"' in picker.text

    ticked = owner.post(f"/clients/{client_id}/labels", {"label": [str(vip), str(news)]}, hx=True)
    assert ticked.status_code == 200
    assert ticked.text.lstrip().startswith('<form id="label-picker"')
    assert 'hx-swap-oob="true"' in ticked.text  # the header's badges follow
    assert ticked.text.count("checked") == 2

    # Unticking VIP: the picker says what was ticked when it was drawn.
    owner.post(
        f"/clients/{client_id}/labels",
        {"label": [str(news)], "was": [str(vip), str(news)]},
        hx=True,
    )
    profile = owner.get(f"/clients/{client_id}").text
    assert '<li class="badge badge--blue">Newsletter</li>' in profile
    assert '<li class="badge badge--teal">VIP</li>' not in profile
    with app.app_context():
        changes = db.session.scalars(
            select(Activity.changes)
            .where(Activity.verb == "client.labels_changed")
            .order_by(Activity.id)
        ).all()
    assert changes == [
        {"labels": [[], ["Newsletter", "VIP"]]},
        {"labels": [["Newsletter", "VIP"], ["Newsletter"]]},
    ]


def test_a_tick_changes_only_its_own_label_whatever_colleagues_did_meanwhile(
    app, owner, login, client_factory
):
    vip, news, late = (make_label(owner, name) for name in ("VIP", "Newsletter", "Late"))
    client_id = client_factory()
    owner.post(f"/clients/{client_id}/labels", {"label": [str(late)]})
    desk, manager = login("front_desk"), login("manager")
    # Both opened the picker when only "Late" was ticked.
    picker = desk.get(f"/clients/{client_id}/labels", hx=True).text
    assert f'name="was" value="{late}"' in picker
    drawn = {"was": [str(late)]}
    manager.post(f"/clients/{client_id}/labels", {**drawn, "label": [str(late), str(vip)]}, hx=True)
    # The desk's stale picker ticks Newsletter and, a moment later, unticks Late.
    desk.post(f"/clients/{client_id}/labels", {**drawn, "label": [str(late), str(news)]}, hx=True)
    answer = desk.post(f"/clients/{client_id}/labels", {**drawn, "label": [str(news)]}, hx=True)
    assert answer.status_code == 200
    assert f'name="was" value="{vip}"' in answer.text  # the redrawn picker knows VIP now
    with app.app_context():
        held = set(
            db.session.scalars(
                select(client_labels.c.label_id).where(client_labels.c.client_id == client_id)
            )
        )
    assert held == {vip, news}  # the manager's VIP survived both of the desk's posts


def test_list_filters_by_labels_with_counts(owner, client_factory):
    vip, news = make_label(owner, "VIP"), make_label(owner, "Newsletter")
    both = client_factory(first_name="Both")
    only_vip = client_factory(first_name="Onlyvip")
    client_factory(first_name="Neither")
    owner.post(f"/clients/{both}/labels", {"label": [str(vip), str(news)]})
    owner.post(f"/clients/{only_vip}/labels", {"label": [str(vip)]})

    listing = owner.get("/clients").text
    assert 'VIP <span class="count">(2)</span>' in listing
    assert 'Newsletter <span class="count">(1)</span>' in listing
    vip_only = owner.get(f"/clients?label={vip}", hx=True).text
    assert "Both" in vip_only and "Onlyvip" in vip_only and "Neither" not in vip_only
    both_labels = owner.get(f"/clients?label={vip}&label={news}", hx=True).text
    assert "Both" in both_labels and "Onlyvip" not in both_labels
    searched = owner.get(f"/clients?label={vip}&q=onlyvip", hx=True).text
    assert "Onlyvip" in searched and "Both Lovelace" not in searched
    assert owner.get("/clients?label=abc").status_code == 400


def test_alerts_add_edit_resolve(app, owner, client_factory):
    client_id = client_factory(first_name="Alerta")
    bad = owner.post(f"/clients/{client_id}/alerts/new", {"severity": "doom", "text": ""}, hx=True)
    assert bad.status_code == 422 and "Say what staff must know." in bad.text
    added = owner.post(
        f"/clients/{client_id}/alerts/new",
        {"severity": "critical", "text": "Severe nut allergy"},
        hx=True,
    )
    assert added.status_code == 200 and "Severe nut allergy" in added.text
    listing = owner.get("/clients?q=alerta", hx=True).text
    assert 'aria-label="Critical alert"' in listing

    with app.app_context():
        client = db.session.get(Client, client_id)
        assert client.alert_severity == "critical"
        from app.models import Alert

        alert_id = db.session.scalar(select(Alert.id))
    owner.post(
        f"/clients/{client_id}/alerts/{alert_id}/edit",
        {f"alert-{alert_id}-severity": "info", f"alert-{alert_id}-text": "Mild nut allergy"},
    )
    page = owner.get(f"/clients/{client_id}").text
    assert "Mild nut allergy" in page and 'aria-label="Info alert"' in owner.get("/clients").text
    owner.post(f"/clients/{client_id}/alerts/{alert_id}/resolve")
    page = owner.get(f"/clients/{client_id}").text
    assert "Mild nut allergy" not in page
    with app.app_context():
        assert db.session.get(Client, client_id).alert_severity is None
        verbs = db.session.scalars(
            select(Activity.verb).where(Activity.verb.like("alert.%")).order_by(Activity.id)
        ).all()
        texts = db.session.scalars(select(Activity.changes).where(Activity.verb.like("alert.%")))
        assert verbs == ["alert.added", "alert.edited", "alert.resolved"]
        assert all("allergy" not in str(changes) for changes in texts)


def test_booking_policy(app, owner, client_factory):
    client_id = client_factory(first_name="Booker")
    missing_reason = owner.post(
        f"/clients/{client_id}/booking-policy", {"policy": "block", "reason": ""}, hx=True
    )
    assert missing_reason.status_code == 422 and "Say why" in missing_reason.text
    saved = owner.post(
        f"/clients/{client_id}/booking-policy",
        {"policy": "block", "reason": "Three no-shows"},
        hx=True,
    )
    assert saved.status_code == 200 and "Three no-shows" in saved.text
    assert "Online booking blocked" in owner.get("/clients?q=booker", hx=True).text
    timeline = owner.get(f"/clients/{client_id}/activity/timeline").text
    assert "Online booking changed" in timeline and "Block" in timeline
    owner.post(f"/clients/{client_id}/booking-policy", {"policy": "approval", "reason": "New"})
    assert "Booking needs approval" in owner.get("/clients?q=booker", hx=True).text


def test_completeness_on_overview_and_list_filter(owner, client_factory):
    sparse = client_factory(first_name="Sparse")
    full = client_factory(
        first_name="Full",
        email="full@example.com",
        phone="+442079460958",
        birth_date=__import__("datetime").date(1990, 1, 1),
        address="1 High St",
        preferred_language="en",
    )
    page = owner.get(f"/clients/{sparse}").text
    assert "Missing from this profile" in page
    for item in ("No phone number", "No email", "No birth date", "No postal address"):
        assert item in page
    assert "Missing from this profile" not in owner.get(f"/clients/{full}").text
    incomplete = owner.get("/clients?show=incomplete", hx=True).text
    assert "Sparse" in incomplete and "Full Lovelace" not in incomplete
