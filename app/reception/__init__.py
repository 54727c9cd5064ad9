"""Reception: today's sessions at the desk, arrivals, walk-ins and a quick find."""

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from app.reception import routes  # noqa: E402, F401
