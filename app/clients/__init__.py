from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from app.clients import ops, routes  # noqa: E402, F401

# Templates ask the same rule the route and the ops function check.
bp.add_app_template_global(ops.may_restore, "may_restore")
