"""Background jobs: a real huey consumer (threads) runs them; progress, result and the
reason of a failure live in the jobs table."""

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.jobs import JOB_KINDS, JobFailed, JobKind, queue_file, run_job, start_job
from app.models import Job
from tests.helpers.jobs import wait_for_end

RUNS = []


def count_to(params, progress):
    RUNS.append(params["to"])
    for number in range(1, params["to"] + 1):
        progress(number, params["to"])
    return {"counted": params["to"]}


def refuse(params, progress):
    raise JobFailed("The file has no rows.")


def crash(params, progress):
    raise KeyError("secret detail")


@pytest.fixture(autouse=True)
def test_job_kinds():
    """The test's own kinds of job, registered for each test's duration only."""
    with (
        JOB_KINDS.temporarily("test-count", JobKind("test-count", count_to)),
        JOB_KINDS.temporarily("test-refuse", JobKind("test-refuse", refuse)),
        JOB_KINDS.temporarily("test-crash", JobKind("test-crash", crash)),
    ):
        yield


def test_a_job_runs_in_the_consumer_and_its_row_tells_how_it_went(app, owner, job_worker):
    with app.test_request_context():
        job_id = start_job("test-count", owner.staff, {"to": 3})
    finished = wait_for_end(app, job_id)
    assert finished.status == "done"
    assert finished.result == {"counted": 3}
    assert (finished.done, finished.total) == (3, 3)  # the last step is always written
    assert finished.params is None  # what it was asked is not kept
    assert finished.started_at and finished.finished_at >= finished.started_at
    assert finished.created_by_id == owner.staff.id


def test_a_failed_job_says_why_and_an_unexpected_error_keeps_its_detail_in_the_log(
    app, owner, job_worker
):
    with app.test_request_context():
        refused = start_job("test-refuse", owner.staff, {})
        crashed = start_job("test-crash", owner.staff, {})
    assert wait_for_end(app, refused).error == "The file has no rows."
    crash_row = wait_for_end(app, crashed)
    assert crash_row.status == "failed"
    assert "KeyError" in crash_row.error and "secret detail" not in crash_row.error


def test_a_job_delivered_twice_runs_once(app, owner):
    with app.test_request_context():
        job_id = start_job("test-count", owner.staff, {"to": 1})
    RUNS.clear()
    with app.app_context():
        run_job(job_id)
        run_job(job_id)
        assert db.session.scalar(select(Job.status).where(Job.id == job_id)) == "done"
    assert RUNS == [1]


def test_an_unknown_kind_is_refused_before_anything_is_recorded(app, owner):
    with app.test_request_context(), pytest.raises(ValueError):
        start_job("no-such-kind", owner.staff, {})
    with app.app_context():
        assert db.session.scalar(select(Job.id)) is None


def test_the_sqlite_queue_sits_beside_the_database_file(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/shop.db", JOBS_QUEUE_FILE=None)
    assert queue_file(app) == tmp_path / "shop.db-jobs.sqlite3"
