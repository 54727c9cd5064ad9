"""Staff sign-in and the sign-in gate: everything the area adds to the app (see
app/core/areas.py)."""

from app.auth import bp, commands
from app.core.areas import Area

AREA = Area("auth", blueprints=(bp,), commands=commands.COMMANDS)
