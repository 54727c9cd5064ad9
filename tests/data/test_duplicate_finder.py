"""The duplicate finder: every client on the list is looked at (not only new ones),
candidates come from blocking keys, each pair says why it was found, and "Not a
duplicate" is remembered."""

from datetime import date

from sqlalchemy import select

from app.core.extensions import db
from app.data.duplicates import find_duplicate_pairs, normalised_email, score_pair
from app.models import Job, NotDuplicate
from tests.helpers.jobs import wait_for_end


def _pairs(app):
    with app.app_context():
        pairs, scanned = find_duplicate_pairs()
    return {(low, high): (score, reasons) for low, high, score, reasons in pairs}, scanned


def test_emails_are_compared_without_case_spaces_or_plus_tags():
    assert normalised_email(" Ann.Lee+Spa@Example.COM ") == "ann.lee@example.com"
    assert normalised_email("no-at-sign") is None and normalised_email("@x.com") is None


def test_each_kind_of_duplicate_is_found_with_its_reasons(app, client_factory):
    by_email = (
        client_factory(first_name="Ann", last_name="Lee", email="ann@example.com"),
        client_factory(first_name="Anne", last_name="Lee", email=" ANN+spa@example.com"),
    )
    by_phone = (
        client_factory(first_name="Omar", last_name="Haddad", phone="+442079460111"),
        client_factory(first_name="Omar", last_name="Hadad", phone="+442079460111"),
    )
    swapped = (
        client_factory(first_name="Nguyen", last_name="Linh"),
        client_factory(first_name="Linh", last_name="Nguyen"),
    )
    nickname = (
        client_factory(first_name="Robert", last_name="Mensah", birth_date=date(1985, 3, 2)),
        client_factory(first_name="Bob", last_name="Mensah", birth_date=date(1985, 3, 2)),
    )
    accents = (
        client_factory(first_name="José", last_name="Núñez"),
        client_factory(first_name="jose", last_name="NUNEZ"),
    )
    client_factory(first_name="Zoe", last_name="Quill")  # alike no one
    found, scanned = _pairs(app)
    assert scanned == 11
    assert found[by_email][1][:2] == ["same email", "name 93% alike"]
    assert "same phone" in found[by_phone][1]
    assert found[swapped][1] == ["same name"]
    assert found[nickname][1] == ["same name", "same birth date"] and found[nickname][0] == 75
    assert found[accents][1] == ["same name"]
    assert len(found) == 5


def test_families_sharing_a_phone_are_not_flagged_and_other_birth_dates_lower_the_score(
    app, client_factory
):
    client_factory(first_name="Maria", last_name="Silva", phone="+442079460222")
    client_factory(first_name="Tomas", last_name="Okoye", phone="+442079460222")
    found, _ = _pairs(app)
    assert found == {}
    same = {"name": "ann lee", "email": None, "phone": None}

    class Person:
        def __init__(self, birth):
            self.__dict__.update(same, birth_date=birth)

    alike, _ = score_pair(Person(date(1990, 1, 1)), Person(date(1990, 1, 1)))
    apart, reasons = score_pair(Person(date(1990, 1, 1)), Person(date(1971, 6, 5)))
    assert alike > apart and "different birth dates" in reasons


def test_the_scan_runs_as_a_job_and_the_page_shows_pairs_that_can_be_dismissed_for_good(
    app, owner, client_factory, job_worker
):
    first = client_factory(first_name="Katherine", last_name="Osei", email="k.osei@example.com")
    second = client_factory(first_name="Kate", last_name="Osei", email="K.Osei@example.com")
    page = owner.get("/clients/duplicates")
    assert page.status_code == 200 and ">Find duplicates</button>" in page.text
    started = owner.post("/clients/duplicates/scan")
    assert started.status_code == 303
    with app.app_context():
        job_id = db.session.scalar(select(Job.id).where(Job.kind == "duplicate_scan"))
    job = wait_for_end(app, job_id)
    assert job.status == "done", job.error
    assert job.result["clients"] == 2 and "Osei" not in str(job.result)  # ids, no names
    shown = owner.get("/clients/duplicates").text
    assert "Katherine Osei" in shown and "Kate Osei" in shown
    assert "same email; same name" in shown
    assert f"/clients/merge?client={first}&amp;client={second}" in shown
    dismissed = owner.post(
        "/clients/duplicates/not-duplicate", {"first": str(second), "second": str(first)}, hx=True
    )
    assert dismissed.status_code == 200 and dismissed.text == ""
    assert "Kate Osei" not in owner.get("/clients/duplicates").text
    with app.app_context():
        assert db.session.scalars(select(NotDuplicate.low_id)).all() == [first]
    # A new scan does not bring the pair back.
    owner.post("/clients/duplicates/scan")
    with app.app_context():
        latest = db.session.scalar(
            select(Job.id).where(Job.kind == "duplicate_scan").order_by(Job.id.desc())
        )
    assert wait_for_end(app, latest).result["pairs"] == []


def test_pairs_of_a_merged_or_trashed_profile_leave_the_page(app, owner, client_factory):
    from app.clients import privacy_ops
    from app.models import Client

    first = client_factory(first_name="Ivy", last_name="Tan", phone="+442079460333")
    client_factory(first_name="Ivy", last_name="Tan", phone="+442079460333")
    found, _ = _pairs(app)
    assert len(found) == 1
    with app.app_context():
        privacy_ops.delete_client(db.session.get(Client, first), owner.staff)
    found, _ = _pairs(app)
    assert found == {}


def test_only_staff_who_may_merge_reach_the_finder_and_bad_ids_are_refused(app, login, owner):
    front_desk = login("front_desk")
    assert front_desk.get("/clients/duplicates").status_code == 403
    assert front_desk.post("/clients/duplicates/scan").status_code == 403
    for first, second in (("1", "1"), ("²", "2"), ("-1", "2"), ("", "")):
        answer = owner.post("/clients/duplicates/not-duplicate", {"first": first, "second": second})
        assert answer.status_code == 400
    missing = owner.post("/clients/duplicates/not-duplicate", {"first": "99998", "second": "99999"})
    assert missing.status_code == 404


def test_the_finder_page_costs_the_same_whatever_the_number_of_pairs(
    app, owner, client_factory, count_queries
):
    from app.data.duplicates import duplicate_scan_job

    def scan_now():
        with app.app_context():
            result = duplicate_scan_job({}, lambda done, total=None: None)
            job = Job(
                kind="duplicate_scan", status="done", result=result, created_by_id=owner.staff.id
            )
            db.session.add(job)
            db.session.commit()

    client_factory(first_name="Pia", last_name="Berg", email="pia@example.com")
    client_factory(first_name="Pia", last_name="Berg", email="pia@example.com")
    scan_now()
    with count_queries() as few:
        owner.get("/clients/duplicates")
    for number in range(6):
        client_factory(first_name=f"Lu{number}", last_name="Chen", email=f"lu{number}@example.com")
        client_factory(first_name=f"Lu{number}", last_name="Chen", email=f"lu{number}@example.com")
    scan_now()
    with count_queries() as many:
        page = owner.get("/clients/duplicates")
    assert page.text.count("Not a duplicate</button>") == 7
    assert len(many) == len(few)


def test_two_staff_marking_the_same_pair_at_once_both_get_an_answer(
    app, owner, client_factory, monkeypatch
):
    from app.data.duplicates import mark_not_duplicate

    first = client_factory(first_name="Twin", last_name="One")
    second = client_factory(first_name="Twin", last_name="Two")
    with app.app_context():
        assert mark_not_duplicate(first, second, owner.staff) is True
        # The colleague's read came before the first insert was committed: it saw nothing.
        monkeypatch.setattr(db.session, "get", lambda *args, **kwargs: None)
        assert mark_not_duplicate(second, first, owner.staff) is False
    with app.app_context():
        assert db.session.scalars(select(NotDuplicate.low_id)).all() == [first]
