"""HTTP for importing clients: Upload, Map columns, Preview (a dry run), Import (the job's
progress, then its summary and the failed rows) and Revert import.

Every route needs IMPORT_EXPORT; an import is shown only to the staff member who
started it (and to owners, who manage staff), as a job is."""

from contextlib import suppress

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, can, requires
from app.data.forms import ImportOptionsForm, ImportUploadForm, columns_form
from app.data.imports import ImportSettings, failed_rows_path, is_kept, read_stored, upload_path
from app.data.imports import ops as import_ops
from app.data.imports import previews as import_previews
from app.data.imports import revert as reverting
from app.data.imports.mapping import TARGETS, match_headers
from app.data.imports.reading import (
    FORMATS,
    SAMPLE_ROWS,
    UnreadableFile,
    describe_bytes,
    detect_format,
    limits,
    read_sample,
    sample,
)
from app.data.imports.rows import ACTIONS
from app.data.routes import bp
from app.models import JOB_STATUSES, ClientImport, Job, Label, StaffMember

RECENT_IMPORTS = 20
PREVIEW_FILTERS = {"all": "All rows", **{action: name for action, name in ACTIONS.items()}}
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


def _import_or_404(import_id: int) -> ClientImport:
    """An import is shown to the staff member who started it (and to owners)."""
    client_import = db.session.get(ClientImport, import_id)
    if client_import is None:
        abort(404)
    if client_import.created_by_id != current_user.id and not can(
        current_user, Permission.MANAGE_STAFF
    ):
        abort(404)
    return client_import


def _settings(client_import: ClientImport) -> ImportSettings:
    return ImportSettings.from_json(client_import.settings)


def _has_upload(client_import: ClientImport) -> bool:
    """The steps before the import go on: the file is kept (not read: it may be large)."""
    return client_import.job_id is None and is_kept(upload_path(client_import.id))


def _stored_file(client_import: ClientImport) -> bytes | None:
    if client_import.job_id is not None:
        return None  # imported (or importing): the steps before are over
    return read_stored(upload_path(client_import.id))


def _gone(client_import: ClientImport):
    """The steps of an import whose file is no longer kept lead to its page."""
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)


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
        file_format = detect_format(content)
        # The headings and the first rows only: the preview's job reads the whole file.
        table = read_sample(content, file_format)
    except UnreadableFile as error:
        form.file.errors = [str(error)]
        return _upload_page(form, status=422)
    client_import = import_ops.create_import(
        upload.filename or "file", file_format, content, table, current_user
    )
    return redirect(url_for("data.import_columns", import_id=client_import.id), 303)


# --- Map columns -----------------------------------------------------------------------


def _columns_page(client_import, form, table, status=200, read_error=None):
    samples = [sample(table, index) for index in range(len(table.headers))] if table else []
    return render_page(
        "data/import_columns.html",
        "import_columns",
        status=status,
        client_import=client_import,
        form=form,
        samples=samples,
        read_error=read_error,
        formats=FORMATS,
        sample_rows=SAMPLE_ROWS,
    )


def _read_sample(content, client_import, settings):
    return read_sample(content, client_import.file_format, settings.encoding, settings.delimiter)


@bp.route("/clients/import/<id:import_id>/columns", methods=["GET", "POST"])
@requires(Permission.IMPORT_EXPORT)
def import_columns(import_id: int):
    client_import = _import_or_404(import_id)
    content = _stored_file(client_import)
    if content is None:
        return _gone(client_import)
    settings = _settings(client_import)
    if request.method == "GET":
        try:
            table = _read_sample(content, client_import, settings)
        except UnreadableFile as error:
            form = columns_form([], formdata=None)
            form.encoding.data, form.delimiter.data = settings.encoding, settings.delimiter
            return _columns_page(client_import, form, None, read_error=str(error))
        form = columns_form(table.headers, formdata=None)
        _fill_columns_form(form, settings, table)
        return _columns_page(client_import, form, table)

    rereading = "reread" in request.form
    if rereading:
        # Another encoding or delimiter: read the file again and match its headings.
        probe = columns_form([])
        if not (probe.validate() and probe.reading_is_valid(client_import.file_format)):
            return _columns_page(client_import, probe, None, status=422)
        settings.encoding = probe.encoding.data
        if client_import.file_format == "csv":
            settings.delimiter = probe.delimiter.data
        try:
            table = _read_sample(content, client_import, settings)
        except UnreadableFile as error:
            probe.encoding.errors = [str(error)]
            return _columns_page(client_import, probe, None, status=422)
        settings.mapping = match_headers(table.headers)
        import_ops.save_settings(client_import, settings, current_user)
        form = columns_form(table.headers, formdata=None)
        _fill_columns_form(form, settings, table)
        return _columns_page(client_import, form, table)

    try:
        table = _read_sample(content, client_import, settings)
    except UnreadableFile:
        return redirect(url_for("data.import_columns", import_id=client_import.id), 303)
    form = columns_form(table.headers)
    form.encoding.data, form.delimiter.data = settings.encoding, settings.delimiter
    if not form.validate():
        return _columns_page(client_import, form, table, status=422)
    settings.mapping = form.chosen()
    try:
        import_previews.keep_and_preview(client_import, settings, current_user)
    except import_ops.AlreadyStarted:  # imported meanwhile (another tab)
        return _gone(client_import)
    return redirect(url_for("data.import_preview", import_id=client_import.id), 303)


def _fill_columns_form(form, settings: ImportSettings, table) -> None:
    form.encoding.data = settings.encoding
    form.delimiter.data = settings.delimiter
    mapping = settings.mapping if len(settings.mapping) == len(table.headers) else None
    for field, target in zip(
        form.column_fields(), mapping or match_headers(table.headers), strict=True
    ):
        field.data = target


# --- Preview ---------------------------------------------------------------------------


def _label_choices():
    return [
        (label.id, label.name) for label in db.session.scalars(select(Label).order_by(Label.name))
    ]


def _options_form(settings: ImportSettings, formdata=None):
    if formdata is None:
        form = ImportOptionsForm(formdata=None)
        form.match_key.data, form.on_match.data = settings.match_key, settings.on_match
        form.labels.data = list(settings.label_ids)
    else:
        form = ImportOptionsForm()
    form.labels.choices = _label_choices()
    return form


def _preview_page(client_import, settings, form, status=200, block="import_preview"):
    if not _has_upload(client_import):
        return _gone(client_import)
    state = import_previews.preview_state(client_import, settings)
    result = state.result
    asked = request.args.get("show", "")
    show = asked
    if show not in PREVIEW_FILTERS:
        show = "error" if result is not None and result.counts["error"] else "all"
    shown = result.listed.get(show, []) if result is not None else []
    preview_url = url_for("data.import_preview", import_id=client_import.id)
    return render_page(
        "data/import_preview.html",
        block,
        status=status,
        client_import=client_import,
        form=form,
        state=state,
        result=result,
        shown=shown,
        shown_total=(result.row_count if show == "all" else result.counts[show]) if result else 0,
        clients=import_previews.matched_clients(shown),
        show=show,
        filters=PREVIEW_FILTERS,
        actions=ACTIONS,
        targets=TARGETS,
        max_clients=current_app.config.get("MAX_CLIENTS"),
        preview_url=preview_url,
        # the filter asked for, if any (else the result's own default when it is there)
        status_url=url_for(
            "data.import_preview_status",
            import_id=client_import.id,
            **({"show": asked} if asked in PREVIEW_FILTERS else {}),
        ),
        columns_url=url_for("data.import_columns", import_id=client_import.id),
        run_url=url_for("data.import_run", import_id=client_import.id),
    )


@bp.route("/clients/import/<id:import_id>/preview", methods=["GET", "POST"])
@requires(Permission.IMPORT_EXPORT)
def import_preview(import_id: int):
    """The dry run, a job: its progress while it runs, then what it found. A POST keeps
    the chosen options (no client is written) and previews them."""
    client_import = _import_or_404(import_id)
    settings = _settings(client_import)
    if request.method == "GET":
        return _preview_page(client_import, settings, _options_form(settings))
    form = _options_form(settings, request.form)
    if not form.validate():
        return _preview_page(client_import, settings, form, status=422)
    _apply_options(settings, form)
    if not _has_upload(client_import):
        return _gone(client_import)
    try:
        import_previews.keep_and_preview(client_import, settings, current_user)
    except import_ops.AlreadyStarted:  # imported meanwhile (another tab)
        return _gone(client_import)
    return _preview_page(client_import, settings, form)


@bp.get("/clients/import/<id:import_id>/preview/status")
@requires(Permission.IMPORT_EXPORT)
def import_preview_status(import_id: int):
    """What the Preview page polls while the job runs: the job's progress, then the
    result (the whole page without htmx)."""
    client_import = _import_or_404(import_id)
    settings = _settings(client_import)
    return _preview_page(client_import, settings, _options_form(settings), block="preview_result")


def _apply_options(settings: ImportSettings, form) -> None:
    settings.match_key = form.match_key.data
    settings.on_match = form.on_match.data
    settings.label_ids = list(form.labels.data or [])


@bp.post("/clients/import/<id:import_id>/run")
@requires(Permission.IMPORT_EXPORT)
def import_run(import_id: int):
    client_import = _import_or_404(import_id)
    settings = _settings(client_import)
    if not _has_upload(client_import):
        return _gone(client_import)
    form = _options_form(settings, request.form)
    if not form.validate():
        return _preview_page(client_import, settings, form, status=422)
    _apply_options(settings, form)
    with suppress(import_ops.AlreadyStarted):  # a second click: the page of the one running
        import_ops.start_import(client_import, settings, current_user)
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)


# --- Import: progress, summary, failed rows, revert --------------------------------------


def _show_page(client_import, status=200):
    job = db.session.get(Job, client_import.job_id) if client_import.job_id else None
    settings = _settings(client_import)
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
    return _show_page(_import_or_404(import_id))


@bp.get("/clients/import/<id:import_id>/failed-rows.csv")
@requires(Permission.IMPORT_EXPORT)
def import_failed_rows(import_id: int):
    client_import = _import_or_404(import_id)
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
    client_import = _import_or_404(import_id)
    job = db.session.get(Job, client_import.job_id) if client_import.job_id else None
    if job is None or job.status != "done":
        return redirect(url_for("data.import_show", import_id=client_import.id), 303)
    with suppress(reverting.AlreadyReverted):  # reverted meanwhile: its page says so
        reverting.revert_import(client_import, current_user)
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)
