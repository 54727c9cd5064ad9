"""HTTP for the Map columns step of an import: which column of the file goes to which
field of a client, and (when the headings came out wrong) the file read again with
another encoding or delimiter."""

from flask import redirect, request, url_for
from flask_login import current_user

from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.data.forms import columns_form
from app.data.import_access import gone, import_or_404, import_settings, stored_upload
from app.data.imports import ImportSettings
from app.data.imports import ops as import_ops
from app.data.imports import previews as import_previews
from app.data.imports.mapping import match_headers
from app.data.imports.reading import FORMATS, SAMPLE_ROWS, UnreadableFile, read_sample, sample
from app.data.routes import bp


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
    client_import = import_or_404(import_id)
    content = stored_upload(client_import)
    if content is None:
        return gone(client_import)
    settings = import_settings(client_import)
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
    settings.bad_values = form.bad_values.data
    try:
        import_previews.keep_and_preview(client_import, settings, current_user)
    except import_ops.AlreadyStarted:  # imported meanwhile (another tab)
        return gone(client_import)
    return redirect(url_for("data.import_preview", import_id=client_import.id), 303)


def _fill_columns_form(form, settings: ImportSettings, table) -> None:
    form.bad_values.data = settings.bad_values
    form.encoding.data = settings.encoding
    form.delimiter.data = settings.delimiter
    mapping = settings.mapping if len(settings.mapping) == len(table.headers) else None
    for field, target in zip(
        form.column_fields(), mapping or match_headers(table.headers), strict=True
    ):
        field.data = target
