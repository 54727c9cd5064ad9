"""Waiting for a background job in tests (the consumer is conftest's job_worker)."""

import time

from app.core.extensions import db
from app.models import Job


def wait_for_end(app, job_id: int, seconds: float = 15) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.finished:
                db.session.expunge(job)
                return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {seconds}s")
