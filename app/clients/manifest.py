"""Clients, the base area (the list, the profile, notes, labels, alerts, privacy):
everything it adds to the app (see app/core/areas.py)."""

from app.clients import (
    bp,
    export_sections,
    routes,
    rules,
    settings_routes,  # noqa: F401  (the Settings views)
)
from app.core.areas import Area
from app.core.permissions import Permission
from app.core.settings_pages import SettingsPage

AREA = Area(
    "clients",
    blueprints=(bp,),
    tabs=(routes.OVERVIEW_TAB, routes.ACTIVITY_TAB),
    profile_shell=routes.draw_profile_tab,
    export_sections=(
        export_sections.PROFILE_EXPORT,
        export_sections.LABELS_EXPORT,
        export_sections.NOTES_EXPORT,
        export_sections.ALERTS_EXPORT,
        export_sections.TIMELINE_EXPORT,
    ),
    # Settings → Labels and Settings → Erasure log (views in settings_routes).
    settings_pages=(
        SettingsPage(
            "labels",
            "Labels",
            "settings.labels",
            order=10,
            current_for=("settings.labels", "settings.edit_label", "settings.delete_label"),
        ),
        SettingsPage(
            "erasures",
            "Erasure log",
            "settings.erasures",
            order=70,
            permission=Permission.ERASE_CLIENTS,
        ),
    ),
    # Templates ask the same rules the routes and the ops functions check.
    template_globals={
        rule.__name__: rule
        for rule in (rules.may_change_details, rules.may_delete, rules.may_merge, rules.may_restore)
    },
)
