"""HTTP for importing clients: Upload, Map columns, Preview (a dry run), Import (the job's
progress, then its summary and the failed rows) and Revert import.

Every route needs IMPORT_EXPORT; an import is shown only to the staff member who
started it (and to owners, who manage staff), as a job is. This module holds the
Upload step (and the size limit of what is sent); the other steps' routes are in the
modules it imports at its bottom."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, can, requires
from app.data.forms import ImportUploadForm
from app.data.imports import ops as import_ops
from app.data.imports.reading import (
    UnreadableFile,
    describe_bytes,
    detect_format,
    limits,
    read_sample,
)
from app.data.routes import bp
from app.models import JOB_STATUSES, ClientImport, Job, StaffMember

RECENT_IMPORTS = 20
UPLOAD_SLACK = 64 * 1024  # the form around the file


@bp.url_value_preprocessor
def _allow_large_upload(endpoint, _values):
    # Runs before the CSRF check reads the body: the upload may be larger than the
    # app's usual request limit.
    if endpoint == "data.import_upload" and request.method == "POST":
        max_bytes, _rows = limits()
        request.max_content_length = max(
            current_app.config.get("MAX_CONTENT_LENGTH") or 0, max_bytes + UPLOAD_SLACK
        )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    max_bytes, _rows = limits()
    if request.endpoint == "data.import_upload":
        form = ImportUploadForm(formdata=None)
        form.file.errors = [_too_large_message(max_bytes)]
        return _upload_page(form, status=413)
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or max_bytes
    return render_template(
        "errors/error.html",
        status=413,
        title="Too large",
        message=f"What was sent is too large. Clientele accepts at most "
        f"{describe_bytes(limit)} at a time. Shorten it and try again.",
    ), 413


def _too_large_message(max_bytes: int) -> str:
    return (
        f"The file is larger than {describe_bytes(max_bytes)}. Split it into smaller "
        "files and import them one after the other."
    )


# --- Upload ----------------------------------------------------------------------------


def _recent_imports():
    creator = aliased(StaffMember)
    statement = (
        select(ClientImport, Job.status, creator.name)
        .outerjoin(Job, Job.id == ClientImport.job_id)
        .outerjoin(creator, creator.id == ClientImport.created_by_id)
        .order_by(ClientImport.created_at.desc(), ClientImport.id.desc())
        .limit(RECENT_IMPORTS)
    )
    if not can(current_user, Permission.MANAGE_STAFF):
        statement = statement.where(ClientImport.created_by_id == current_user.id)
    return db.session.execute(statement).all()


def _upload_page(form, status=200):
    max_bytes, max_rows = limits()
    return render_page(
        "data/import_upload.html",
        "import_upload",
        status=status,
        form=form,
        recent=_recent_imports(),
        statuses=JOB_STATUSES,
        max_size=describe_bytes(max_bytes),
        max_rows=max_rows,
    )


@bp.route("/clients/import", methods=["GET", "POST"])
@requires(Permission.IMPORT_EXPORT)
def import_upload():
    if request.method == "GET":
        return _upload_page(ImportUploadForm(formdata=None))
    form = ImportUploadForm()
    if not form.validate():
        return _upload_page(form, status=422)
    max_bytes, _rows = limits()
    upload = form.file.data
    content = upload.read(max_bytes + 1)
    try:
        if len(content) > max_bytes:
            raise UnreadableFile(_too_large_message(max_bytes))
        detected = detect_format(content)  # refuses an empty file, an old .xls...
        # What staff chose wins over the guess (a file the guess reads wrongly).
        file_format = form.file_format.data or detected
        # The headings and the first rows only: the preview's job reads the whole file.
        table = read_sample(content, file_format)
    except UnreadableFile as error:
        form.file.errors = [str(error)]
        return _upload_page(form, status=422)
    client_import = import_ops.create_import(
        upload.filename or "file", file_format, content, table, current_user
    )
    return redirect(url_for("data.import_columns", import_id=client_import.id), 303)


# The other steps' routes, on the same blueprint: importing them here registers them
# wherever this module is imported.
from app.data import (  # noqa: E402, F401
    import_column_routes,
    import_preview_routes,
    import_result_routes,
)
