"""Clients, the base area (the list, the profile, notes, labels, alerts, privacy):
everything it adds to the app (see app/core/areas.py)."""

from app.clients import bp, routes, rules
from app.core.areas import Area

AREA = Area(
    "clients",
    blueprints=(bp,),
    tabs=(routes.OVERVIEW_TAB, routes.ACTIVITY_TAB),
    profile_shell=routes.draw_profile_tab,
    # Templates ask the same rules the routes and the ops functions check.
    template_globals={
        rule.__name__: rule
        for rule in (rules.may_change_details, rules.may_delete, rules.may_merge, rules.may_restore)
    },
)
