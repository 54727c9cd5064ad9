"""Steps of the import as a browser takes them (upload a file, map its columns), for the
import tests and tests/time_imports.py."""

import io
import re

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.core.extensions import db
from app.models import Client, ClientImport
from tests.helpers.jobs import wait_for_end


def upload(browser, content: bytes, name="clients.csv"):
    # The body is encoded here, in memory: the test client would spool a large one to a
    # temporary file that it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": browser.token, "file": FileStorage(io.BytesIO(content), name)}
    )
    return browser.client.post(
        "/clients/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def map_columns(browser, import_id, targets, encoding="utf-8", delimiter=",", bad_values=None):
    data = {f"column_{index}": target for index, target in enumerate(targets)}
    data |= {"encoding": encoding, "delimiter": delimiter}
    if bad_values is not None:  # unsent, the form's default: keep the contact
        data["bad_values"] = bad_values
    return browser.post(f"/clients/import/{import_id}/columns", data)


def uploaded(browser, content: bytes, name="clients.csv") -> int:
    answer = upload(browser, content, name)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/clients/import/(\d+)/columns", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def chosen_columns(browser, import_id) -> dict[str, str]:
    """Heading -> the target the Map columns step has chosen for it."""
    page = browser.get(f"/clients/import/{import_id}/columns")
    assert page.status_code == 200
    assert "<h2>Map columns</h2>" in page.text
    chosen = {}
    for match in re.finditer(
        r'<label for="column_(\d+)">([^<]*)</label>'
        r'.*?<select[^>]*name="column_\1"[^>]*>(.*?)</select>',
        page.text,
        re.S,
    ):
        selected = re.search(r'<option selected value="([^"]*)"', match.group(3))
        chosen[match.group(2)] = selected.group(1) if selected else None
    return chosen


def preview_job_id(app, import_id) -> int:
    with app.app_context():
        job_id = db.session.get(ClientImport, import_id).preview_job_id
    assert job_id, "no preview was started"
    return job_id


def previewed(app, browser, import_id, query="", **kwargs):
    """The Preview page once its job has ended (a test with job_worker runs it)."""
    job = wait_for_end(app, preview_job_id(app, import_id))
    assert job.status in ("done", "failed"), job.status
    return browser.get(f"/clients/import/{import_id}/preview{query}", **kwargs)


def preview_with(app, browser, import_id, options: dict, query=""):
    """Change the Preview's options as the page does (htmx), then its result."""
    before = preview_job_id(app, import_id)
    answer = browser.post(f"/clients/import/{import_id}/preview{query}", options, hx=True)
    assert answer.status_code == 200, answer.text[:500]
    assert "<html" not in answer.text and 'id="import-preview"' in answer.text
    if preview_job_id(app, import_id) != before:  # a new job: its progress, polled
        assert 'id="preview-progress"' in answer.text and 'hx-trigger="every 1s"' in answer.text
    return previewed(app, browser, import_id, query, hx=True)


def run_import(app, browser, import_id, match_key="email", on_match="skip", labels=()):
    answer = browser.post(
        f"/clients/import/{import_id}/run",
        {"match_key": match_key, "on_match": on_match, "labels": [str(i) for i in labels]},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == f"/clients/import/{import_id}"
    with app.app_context():
        job_id = db.session.get(ClientImport, import_id).job_id
    job = wait_for_end(app, job_id)
    assert job.status == "done", job.error
    return job


def clients_by_first_name(app) -> dict[str, Client]:
    with app.app_context():
        found = {client.first_name: client for client in db.session.scalars(select(Client))}
        db.session.expunge_all()
        return found


def preview_rows(html: str) -> dict[int, tuple[str, str]]:
    rows = {}
    for match in re.finditer(
        r'<tr class="import-row import-row--(\w+)">\s*<td data-label="Row">([\d,]+)</td>'
        r'.*?<td data-label="Details">(.*?)</td>',
        html,
        re.S,
    ):
        rows[int(match.group(2).replace(",", ""))] = (
            match.group(1),
            " ".join(match.group(3).split()),
        )
    return rows
