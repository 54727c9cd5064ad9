from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from app.clients import ops, routes  # noqa: E402, F401

# Templates ask the same rules the routes and the ops functions check.
for rule in (ops.may_change_details, ops.may_delete, ops.may_merge, ops.may_restore):
    bp.add_app_template_global(rule)
