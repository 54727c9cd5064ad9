from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from app.clients import ops, routes  # noqa: E402, F401
from app.core.profile_shell import set_profile_shell  # noqa: E402

set_profile_shell(routes.draw_profile_tab)

# Templates ask the same rules the routes and the ops functions check.
for rule in (ops.may_change_details, ops.may_delete, ops.may_merge, ops.may_restore):
    bp.add_app_template_global(rule)
