"""The self check-in kiosk (/kiosk): a narrow session of its own on the reception tablet."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
