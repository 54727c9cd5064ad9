"""HTTP for the Preview step of an import (a dry run, a job: its progress while it runs,
then what it would do to each row, filtered by action) with the import's options, and
the Import button that starts the import with them."""

from contextlib import suppress

from flask import current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.data.forms import ImportOptionsForm
from app.data.import_access import gone, has_upload, import_or_404, import_settings
from app.data.imports import ImportSettings
from app.data.imports import ops as import_ops
from app.data.imports import previews as import_previews
from app.data.imports.mapping import TARGETS
from app.data.imports.rows import ACTIONS
from app.data.routes import bp
from app.models import Label

PREVIEW_FILTERS = {"all": "All rows", **{action: name for action, name in ACTIONS.items()}}


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
    if not has_upload(client_import):
        return gone(client_import)
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
    client_import = import_or_404(import_id)
    settings = import_settings(client_import)
    if request.method == "GET":
        return _preview_page(client_import, settings, _options_form(settings))
    form = _options_form(settings, request.form)
    if not form.validate():
        return _preview_page(client_import, settings, form, status=422)
    _apply_options(settings, form)
    if not has_upload(client_import):
        return gone(client_import)
    try:
        import_previews.keep_and_preview(client_import, settings, current_user)
    except import_ops.AlreadyStarted:  # imported meanwhile (another tab)
        return gone(client_import)
    return _preview_page(client_import, settings, form)


@bp.get("/clients/import/<id:import_id>/preview/status")
@requires(Permission.IMPORT_EXPORT)
def import_preview_status(import_id: int):
    """What the Preview page polls while the job runs: the job's progress, then the
    result (the whole page without htmx)."""
    client_import = import_or_404(import_id)
    settings = import_settings(client_import)
    return _preview_page(client_import, settings, _options_form(settings), block="preview_result")


def _apply_options(settings: ImportSettings, form) -> None:
    settings.match_key = form.match_key.data
    settings.on_match = form.on_match.data
    settings.label_ids = list(form.labels.data or [])


@bp.post("/clients/import/<id:import_id>/run")
@requires(Permission.IMPORT_EXPORT)
def import_run(import_id: int):
    client_import = import_or_404(import_id)
    settings = import_settings(client_import)
    if not has_upload(client_import):
        return gone(client_import)
    form = _options_form(settings, request.form)
    if not form.validate():
        return _preview_page(client_import, settings, form, status=422)
    _apply_options(settings, form)
    with suppress(import_ops.AlreadyStarted):  # a second click: the page of the one running
        import_ops.start_import(client_import, settings, current_user)
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)
