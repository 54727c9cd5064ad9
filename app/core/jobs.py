"""Background jobs on huey: long work (imports, duplicate scans, large exports) runs in a
consumer (`flask jobs worker`, which `make run` starts beside the server), not in a
request.

One huey task serves every kind of job: it carries a Job row's id, reads the row and
calls the function its area lists for the row's kind (`JobKind` in the manifest). Progress, the
result and the reason of a failure are written to the row, so any web worker can show
them and a reload finds them again. Without HUEY_REDIS_URL the queue is an SQLite file
beside the database file (under instance/ for PostgreSQL): two instances with two
databases never share a queue.

A job function takes (params, progress) and returns its result (a small dict, no
personal data). It reports with progress(done, total) between its own transactions,
and raises JobFailed with a message for staff when it cannot go on.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from huey import RedisHuey, SqliteHuey
from sqlalchemy import update
from sqlalchemy.engine import make_url

from app.core.database import after_commit, write_transaction
from app.core.extensions import db
from app.core.registry import Registry
from app.models import JOB_STATUSES, Job, utcnow
from app.models.job import JOB_ERROR_MAX_LENGTH

log = logging.getLogger(__name__)

_EXTENSION = "clientele.jobs"


@dataclass(frozen=True)
class JobKind:
    """What runs jobs of a kind: run(params, progress) (an area lists it in its manifest)."""

    name: str
    run: Callable


JOB_KINDS = Registry("job kind")
PROGRESS_EVERY = 0.5  # seconds between two progress writes of one job


class JobFailed(Exception):
    """A job that cannot go on; its message is shown to the staff member who asked."""


def queue_file(app) -> Path:
    """The SQLite queue's file: beside an SQLite database, named after it (JOBS_QUEUE_FILE
    says where otherwise)."""
    if app.config.get("JOBS_QUEUE_FILE"):
        return Path(app.config["JOBS_QUEUE_FILE"])
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + "-jobs.sqlite3")
    return Path(app.instance_path) / "jobs.sqlite3"


def init_jobs(app) -> None:
    """The app's queue, and the one task that runs its jobs."""
    redis_url = app.config.get("HUEY_REDIS_URL")
    if redis_url:
        queue = RedisHuey("clientele", url=redis_url, results=False)
    else:
        path = queue_file(app)
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey("clientele", filename=str(path), results=False)

    @queue.task(name="run_job")
    def run_job_task(job_id: int) -> None:
        with app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    app.extensions[_EXTENSION] = (queue, run_job_task)


def queue_of(app):
    return app.extensions[_EXTENSION][0]


def hourly_task(app, name: str, minute: int, work):
    """Run `work()` every hour at `minute` in the consumer, in an app context (each
    area's periodic step: idempotent, so a late or repeated run does no harm); the task,
    also kept as app.extensions["clientele.task.<name>"] for tests to run it."""
    from huey import crontab

    @queue_of(app).periodic_task(crontab(minute=str(minute)), name=name)
    def task() -> None:
        with app.app_context():
            try:
                work()
            finally:
                db.session.remove()

    app.extensions[f"clientele.task.{name}"] = task
    return task


def start_job(kind: str, actor, params: dict) -> int:
    """Record the job and queue it once the record is committed; its id."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    _queue, run_job_task = current_app.extensions[_EXTENSION]
    with write_transaction():
        job = Job(kind=kind, status="queued", params=params, created_by_id=actor.id)
        db.session.add(job)
        db.session.flush()
        job_id = job.id
        after_commit(lambda: run_job_task(job_id))
    return job_id


class Progress:
    """What a running job reports; written in a transaction of its own, at most every
    PROGRESS_EVERY seconds (and always when the work is complete)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._written_at = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - self._written_at < PROGRESS_EVERY and (total is None or done < total):
            return
        self._written_at = now
        values = {"done": done} | ({"total": total} if total is not None else {})
        with write_transaction():
            db.session.execute(update(Job).where(Job.id == self.job_id).values(**values))


def _claim(job_id: int) -> Job | None:
    """Mark the job running, unless it already ran (a message delivered twice)."""
    with write_transaction():
        claimed = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=utcnow())
        ).rowcount
    if not claimed:
        return None
    return db.session.get(Job, job_id)


def _finish(job_id: int, status: str, result=None, error: str | None = None) -> None:
    assert status in JOB_STATUSES
    with write_transaction():
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=status,
                result=result,
                error=error[:JOB_ERROR_MAX_LENGTH] if error else None,
                params=None,
                finished_at=utcnow(),
            )
        )


def run_job(job_id: int) -> None:
    """Run one job to its end: done with its result, or failed with the reason."""
    job = _claim(job_id)
    if job is None:
        return
    kind, params = job.kind, dict(job.params or {})
    db.session.rollback()  # the job's own transactions start clean
    try:
        result = JOB_KINDS[kind].run(params, Progress(job_id))
    except JobFailed as failure:
        db.session.rollback()
        _finish(job_id, "failed", error=str(failure))
    except Exception as error:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind)
        _finish(
            job_id,
            "failed",
            error=f"Stopped by an unexpected error ({type(error).__name__}); "
            "the server's log has the details.",
        )
    else:
        _finish(job_id, "done", result=result)
