"""HTTP for the data pages: export the client list, and follow a background job."""

from flask import Blueprint, abort, make_response, redirect, request, url_for
from flask_login import current_user

from app.clients.api import LIST_VIEWS, MAX_QUERY_LENGTH, list_filter_from
from app.core.extensions import db
from app.core.htmx import render_page
from app.core.jobs import start_job
from app.core.paths import parse_id
from app.core.permissions import Permission, can, requires
from app.data import list_export
from app.data.duplicates import possible_duplicates
from app.data.forms import ExportForm
from app.models import JOB_STATUSES, Job

bp = Blueprint("data", __name__)


def _list_state() -> tuple[str, str, tuple[int, ...]]:
    """The list's search, view and labels, as the list's own URL carries them (a GET) or
    the export form carries them on (a POST)."""
    source = request.form if request.method == "POST" else request.args
    list_filter = list_filter_from(source)
    return source.get("q", "")[:MAX_QUERY_LENGTH], list_filter.view, list_filter.label_ids


def _export_page(form, query, view, label_ids, status=200):
    probe = list_export.ExportRequest(query, view, label_ids, (), "csv")
    found = len(list_export.matching_ids(probe, limit=list_export.INLINE_ROWS + 1))
    return render_page(
        "data/export.html",
        "export_form",
        status=status,
        form=form,
        q=query,
        view=view,
        view_name=LIST_VIEWS[view],
        label_ids=label_ids,
        found=found,
        many=found > list_export.INLINE_ROWS,
        inline_rows=list_export.INLINE_ROWS,
    )


@bp.route("/clients/export", methods=["GET", "POST"])
@requires(Permission.IMPORT_EXPORT)
def export_clients():
    """The list as it stands, as a file: a short one at once, a long one as a job."""
    query, view, label_ids = _list_state()
    if request.method == "GET":
        return _export_page(ExportForm(formdata=None), query, view, label_ids)
    form = ExportForm()
    if not form.validate():
        return _export_page(form, query, view, label_ids, status=422)
    export = list_export.ExportRequest(
        query, view, label_ids, form.chosen_columns(), form.file_format.data
    )
    ids = list_export.matching_ids(export, limit=list_export.INLINE_ROWS + 1)
    if len(ids) > list_export.INLINE_ROWS:
        # The job records the export with the number of rows it wrote.
        params = export.as_params() | {"staff_id": current_user.id}
        job_id = start_job("export", current_user, params)
        return redirect(url_for("data.job", job_id=job_id), 303)
    content = list_export.write_file(ids, export.columns, export.file_format)
    list_export.record_export(current_user.id, export, len(ids))
    return _file_response(content, export.file_format, list_export.filename(export.file_format))


def _file_response(content: bytes, file_format: str, name: str):
    response = make_response(content)
    response.headers["Content-Type"] = list_export.MEDIA_TYPES[file_format]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- jobs ------------------------------------------------------------------------------


def _job_or_404(job_id: int) -> Job:
    """A job is shown to the staff member who started it (and to an owner): to anyone
    else it does not exist."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.created_by_id != current_user.id and not can(current_user, Permission.MANAGE_STAFF):
        abort(404)
    return job


@bp.get("/jobs/<id:job_id>")
@requires(Permission.VIEW_CLIENTS)
def job(job_id: int):
    """A job's progress; the page polls while the job runs, and stops when it ends."""
    return render_page(
        "data/job.html", "job_status", job=_job_or_404(job_id), statuses=JOB_STATUSES
    )


@bp.get("/jobs/<id:job_id>/download")
@requires(Permission.IMPORT_EXPORT)
def job_download(job_id: int):
    job = _job_or_404(job_id)
    if job.kind != "export" or job.status != "done":
        abort(404)
    if job.created_by_id != current_user.id:
        abort(403)  # an owner follows anyone's job; the file is for the person who asked
    content = list_export.job_file(job.result or {})
    if content is None:
        abort(410)  # expired: the file is removed a day after the export
    return _file_response(content, job.result["file_format"], job.result["filename"])


# --- possible duplicates while typing ----------------------------------------------------


@bp.get("/clients/duplicate-check")
@requires(Permission.EDIT_CLIENTS)
def duplicate_check():
    """ "Possible duplicate: NAME" under the client form's contact fields, as an email or
    phone is typed (the form is never blocked: families share emails and phones)."""
    except_id = parse_id(request.args.get("client", ""))  # None: a new client
    found = possible_duplicates(
        request.args.get("email", "")[:300], request.args.get("phone", "")[:60], except_id
    )
    return render_page("data/duplicate_check.html", "duplicate_warning", found=found)
