"""What every step of an import's pages starts from: the import a request is about
(shown only to the staff member who started it, and to owners, as a job is), its
settings, and whether its kept file still lets the steps before the import go on
(when it does not, the step leads to the import's page)."""

from flask import abort, redirect, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.permissions import Permission, can
from app.data.imports import ImportSettings, is_kept, read_stored, upload_path
from app.models import ClientImport


def import_or_404(import_id: int) -> ClientImport:
    """An import is shown to the staff member who started it (and to owners)."""
    client_import = db.session.get(ClientImport, import_id)
    if client_import is None:
        abort(404)
    if client_import.created_by_id != current_user.id and not can(
        current_user, Permission.MANAGE_STAFF
    ):
        abort(404)
    return client_import


def import_settings(client_import: ClientImport) -> ImportSettings:
    return ImportSettings.from_json(client_import.settings)


def has_upload(client_import: ClientImport) -> bool:
    """The steps before the import go on: the file is kept (not read: it may be large)."""
    return client_import.job_id is None and is_kept(upload_path(client_import.id))


def stored_upload(client_import: ClientImport) -> bytes | None:
    if client_import.job_id is not None:
        return None  # imported (or importing): the steps before are over
    return read_stored(upload_path(client_import.id))


def gone(client_import: ClientImport):
    """The steps of an import whose file is no longer kept lead to its page."""
    return redirect(url_for("data.import_show", import_id=client_import.id), 303)
