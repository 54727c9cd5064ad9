"""Settings → Services and Settings → Staff: what booking offers comes from here."""

from datetime import time

from sqlalchemy import select

from app.core.extensions import db
from app.models import ClassTime, DayOff, Service, StaffMember, WorkingHours


def test_add_and_edit_a_service(app, owner):
    answer = owner.post(
        "/settings/services",
        {
            "name": "Deep tissue",
            "duration_minutes": "50",
            "price": "45.50",
            "capacity": "1",
            "colour": "teal",
            "active": "y",
        },
    )
    assert answer.status_code == 303
    page = owner.get("/settings/services").text
    assert "Deep tissue" in page and "£45.50" in page and "Appointment" in page
    with app.app_context():
        service = db.session.scalar(select(Service))
        assert (service.price_minor, service.duration_minutes, service.active) == (4550, 50, True)
    owner.post(
        f"/settings/services/{service.id}",
        {
            "name": "Yoga",
            "duration_minutes": "60",
            "price": "12",
            "capacity": "12",
            "colour": "blue",
        },
    )
    with app.app_context():
        service = db.session.get(Service, service.id)
        assert (service.capacity, service.active, service.price_minor) == (12, False, 1200)


def test_bad_service_input_is_kept_and_explained(owner):
    answer = owner.post(
        "/settings/services",
        {"name": "", "duration_minutes": "0", "price": "4x", "capacity": "0", "colour": "teal"},
    )
    assert answer.status_code == 422
    for message in ("Enter the service", "Between 5 minutes", "Enter a price like", "Between 1"):
        assert message in answer.text
    assert 'value="4x"' in answer.text


def test_class_times_and_staff_hours(app, owner, staff_factory):
    sam = staff_factory(role="practitioner", name="Sam Teacher")
    form = {"takes_bookings": "y", "start-0": "09:00", "end-0": "17:00", "days_off": "2030-12-24"}
    assert owner.post(f"/settings/staff/{sam.id}/hours", form).status_code == 200
    with app.app_context():
        assert db.session.get(StaffMember, sam.id).takes_bookings is True
        hours = db.session.scalars(select(WorkingHours)).all()
        assert [(h.weekday, h.starts, h.ends) for h in hours] == [(0, time(9), time(17))]
        assert db.session.scalar(select(DayOff.day)).isoformat() == "2030-12-24"
    bad = owner.post(
        f"/settings/staff/{sam.id}/hours",
        {"start-1": "18:00", "end-1": "09:00", "days_off": "soon"},
    )
    assert bad.status_code == 422 and "The end must be after the start." in bad.text
    assert "Write dates like" in bad.text and 'value="soon"' in bad.text
    owner.post(
        "/settings/services",
        {
            "name": "Yoga",
            "duration_minutes": "60",
            "price": "",
            "capacity": "10",
            "colour": "blue",
            "active": "y",
        },
    )
    with app.app_context():
        yoga = db.session.scalar(select(Service)).id
    refused = owner.post(
        f"/settings/services/{yoga}/class-times", {"weekday": "9", "starts": "18:00"}
    )
    assert refused.status_code == 422 and "Choose a weekday." in refused.text
    added = owner.post(
        f"/settings/services/{yoga}/class-times",
        {"weekday": "2", "starts": "18:30", "practitioner": sam.id},
    )
    assert added.status_code == 303
    assert "Wednesday 18:30 with Sam Teacher" in owner.get(f"/settings/services/{yoga}").text
    with app.app_context():
        entry = db.session.scalar(select(ClassTime))
    assert owner.post(f"/settings/class-times/{entry.id}/delete").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(ClassTime)) is None


def test_only_settings_managers_reach_them(login):
    for role in ("front_desk", "practitioner"):
        desk = login(role)
        for url in ("/settings/services", "/settings/staff", "/settings/staff/1/hours"):
            assert desk.get(url).status_code == 403, (role, url)
        assert desk.post("/settings/services", {"name": "X"}).status_code == 403
