"""Staff sign-in and the sign-in gate: everything the area adds to the app (see
app/core/areas.py)."""

from app.auth import bp, commands
from app.auth.gate import require_sign_in
from app.core.areas import Area

AREA = Area(
    "auth",
    blueprints=(bp,),
    commands=commands.COMMANDS,
    # Every view needs a signed-in staff member, bar the public ones and other realms'.
    on_app=(lambda app: app.before_request(require_sign_in),),
)
