"""The client's own read-only page (/me): client accounts, sign-in, their details and
sessions, and their data-rights requests."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/me")

# The data-rights requests (their /me views and Settings → Requests) build on the realm.
from app.portal import helpers, parts, realm, requests, routes  # noqa: E402, F401

bp.after_request(realm.save_realm)
