"""The client's own read-only page (/me): client accounts, sign-in, their details and
sessions, and their data-rights requests."""

from flask import Blueprint

from app.auth.gate import other_realm

bp = Blueprint(
    "portal", __name__, url_prefix="/me", static_folder="static", static_url_path="/static"
)

# The data-rights requests (their /me views and Settings → Requests) build on the realm.
from app.portal import helpers, parts, realm, requests, routes  # noqa: E402, F401
from app.portal.accounts import bp as accounts_bp  # noqa: E402

helpers.register(bp)
bp.after_request(realm.save_realm)
# The client page's views are not staff pages: the staff gate lets them through to
# @client_required.
other_realm(bp)
# Staff's side (invitations and resets from the profile) lives under /clients, beside
# the profile, in a blueprint of its own registered with this one.
bp.record_once(lambda state: state.app.register_blueprint(accounts_bp))
