"""The client's own read-only page (/me): client accounts, sign-in, their details and
sessions, and their data-rights requests."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/me")
