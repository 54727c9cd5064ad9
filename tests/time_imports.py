"""Wall-clock timings of the import's steps for a 20,000-row x 100-column workbook (not
part of the suite: its name is not test_*). Run it on SQLite, and on PostgreSQL with
TEST_DATABASE_URL, with -s to see the figures:

    .venv/bin/pytest tests/time_imports.py -s
    bash scripts/with-postgres.sh bash -c \\
        'TEST_DATABASE_URL="$DATABASE_URL" .venv/bin/pytest tests/time_imports.py -s'

Every request goes through the Flask test client as an owner; the job consumer runs
in a process of its own, as `flask jobs worker` does beside the web server. While a
preview job runs, the page is polled as the browser would, and the longest request is
reported.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.extensions import db
from app.models import ClientImport
from tests.helpers.imports import map_columns, upload
from tests.helpers.jobs import wait_for_end
from tests.helpers.workbooks import client_workbook

ROWS, COLUMNS = 20_000, 100
CACHE = Path(os.environ.get("TIMING_WORKBOOKS", "/tmp"))  # noqa: S108 (a cache of test files)
WORKER = """
import json, pathlib, sys
from app import create_app
from app.core.jobs import queue_of
app = create_app(json.loads(sys.argv[1]))
consumer = queue_of(app).create_consumer(workers=1, worker_type="thread", initial_delay=0.05,
                                         max_delay=0.2)
pathlib.Path(sys.argv[2]).touch()
consumer.run()
"""


def _workbook(dimension: str) -> bytes:
    path = CACHE / f"clientele-timing-{ROWS}x{COLUMNS}-{dimension}.xlsx"
    if not path.exists():
        path.write_bytes(client_workbook(ROWS, COLUMNS, dimension))
    return path.read_bytes()


def _timed(call):
    started = time.perf_counter()
    answer = call()
    return answer, time.perf_counter() - started


@pytest.fixture
def worker_process(app):
    """A job consumer in its own process, on the test's database and queue."""
    config = {
        key: app.config[key]
        for key in (
            "TESTING",
            "SECRET_KEY",
            "DATA_KEY",
            "DEFAULT_PHONE_REGION",
            "TIMEZONE",
            "SQLALCHEMY_DATABASE_URI",
            "ERASURE_LEDGER",
            "JOBS_QUEUE_FILE",
            "EXPORT_FILES_DIR",
        )
    }
    ready = Path(app.config["EXPORT_FILES_DIR"]).with_name("worker-ready")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", WORKER, json.dumps(config), str(ready)]
    )
    deadline = time.monotonic() + 60
    while not ready.exists():  # started, as a worker beside a running server is
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    yield process
    process.terminate()
    process.wait(timeout=60)


@pytest.mark.parametrize("dimension", ["true", "none"])
def test_time_the_steps_of_a_large_workbook(app, owner, worker_process, dimension):
    content = _workbook(dimension)
    database = (
        "PostgreSQL" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres") else ("SQLite")
    )
    answer, upload_seconds = _timed(lambda: upload(owner, content, "clients.xlsx"))
    assert answer.status_code == 303, answer.text[:300]
    import_id = int(re.search(r"/import/(\d+)/", answer.headers["Location"]).group(1))
    page, columns_seconds = _timed(lambda: owner.get(f"/clients/import/{import_id}/columns"))
    assert page.status_code == 200
    targets = ["first_name", "last_name", "email", "phone"] + [""] * (COLUMNS - 4)
    mapped, map_seconds = _timed(lambda: map_columns(owner, import_id, targets))
    assert mapped.status_code == 303, mapped.text[:300]

    preview_url = f"/clients/import/{import_id}/preview"
    started = time.perf_counter()
    page, first_seconds = _timed(lambda: owner.get(preview_url))
    longest, polls = first_seconds, 0
    while 'id="preview-progress"' in page.text:  # a job: poll as the page does
        time.sleep(1)
        page, seconds = _timed(lambda: owner.get(f"{preview_url}/status", hx=True))
        longest, polls = max(longest, seconds), polls + 1
        assert time.perf_counter() - started < 300
    preview_seconds = time.perf_counter() - started
    assert page.status_code == 200 and "to create" in page.text, page.text[-2000:]
    job_note = ""
    with app.app_context():
        job_id = getattr(db.session.get(ClientImport, import_id), "preview_job_id", None)
    if job_id:  # its result is kept a moment before the job's row says it ended
        job = wait_for_end(app, job_id)
        job_note = f" (the job itself {(job.finished_at - job.started_at).total_seconds():.2f} s)"
    print(
        f"\n{database}, {ROWS:,} x {COLUMNS} workbook ({len(content) / 1e6:.1f} MB), "
        f"dimension {dimension}: upload {upload_seconds:.2f} s, map columns page "
        f"{columns_seconds:.2f} s, save mapping {map_seconds:.2f} s, preview "
        f"{preview_seconds:.2f} s to the result{job_note} ({polls} polls), longest preview "
        f"request {longest:.2f} s"
    )
