"""Clients: the list and search, the profile and its timeline, notes, labels, alerts,
the lock, the trash and erasure."""

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from app.clients import routes  # noqa: E402, F401
