"""HTTP for the Import step: the import job's progress (the page polls while it runs),
then its summary, the file of the rows that failed, and Revert import."""

from contextlib import suppress

from flask import abort, make_response, redirect, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.data.import_access import import_or_404, import_settings
from app.data.imports import failed_rows_path, is_kept, read_stored, upload_path
from app.data.imports import revert as reverting
from app.data.routes import bp
from app.models import JOB_STATUSES, Job, StaffMember


def _show_page(client_import, status=200):
    job = db.session.get(Job, client_import.job_id) if client_import.job_id else None
    settings = import_settings(client_import)
    finished = job is not None and job.status == "done"
    check = None
    if finished and client_import.reverted_at is None:
        check = reverting.revert_check(client_import.id)
    reverted_by = (
        db.session.get(StaffMember, client_import.reverted_by_id)
        if client_import.reverted_by_id
        else None
    )
    return render_page(
        "data/import_show.html",
        "import_status",
        status=status,
        client_import=client_import,
        job=job,
        statuses=JOB_STATUSES,
        revert=settings.revert,
        check=check,
        reverted_by=reverted_by,
        has_upload=job is None and is_kept(upload_path(client_import.id)),
        failed_file=finished
        and client_import.failed > 0
        and failed_rows_path(client_import.id).exists(),
    )


@bp.get("/clients/import/<id:import_id>")
@requires(Permission.IMPORT_EXPORT)
def import_show(import_id: int):
    """The Import step: the job's progress (the page polls while it runs), then the
    summary, the failed rows and Revert import."""
    return _show_page(import_or_404(import_id))


@bp.get("/clients/import/<id:import_id>/failed-rows.csv")
@requires(Permission.IMPORT_EXPORT)
def import_failed_rows(import_id: int):
    client_import = import_or_404(import_id)
    content = read_stored(failed_rows_path(client_import.id))
    if content is None:
        abort(410 if client_import.failed else 404)
    response = make_response(content)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stem = client_import.filename.rsplit(".", 1)[0][:60] or "import"
    safe_stem = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in stem)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_stem} - failed rows.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/clients/import/<id:import_id>/revert")
@requires(Permission.IMPORT_EXPORT)
def import_revert(import_id: int):
    client_import = import_or_404(import_id)
    job = db.session.get(Job, client_import.job_id) if client_import.job_id else None
    if job is None or job.status != "done":
        return redirect(url_for("data.import_show", import_id=client_import.id), 303)
    with suppress(reverting.AlreadyReverted):  # reverted meanwhile: its page says so
        reverting.revert_import(client_import, current_user)
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)
