"""The Settings pages that combine several areas (Services, Staff) and the kiosk PIN:
everything this area adds to the app (see app/core/areas.py). Its views hang on the
core's Settings blueprint, which this area registers on the app."""

import app.settings  # noqa: F401  (loads the pages' views onto the Settings blueprint)
from app.core.areas import Area
from app.core.settings_pages import SettingsPage, bp

AREA = Area(
    "settings",
    blueprints=(bp,),
    settings_pages=(
        SettingsPage(
            "services",
            "Services",
            "settings.services",
            order=20,
            current_for=("settings.services", "settings.edit_service"),
        ),
        SettingsPage(
            "staff",
            "Staff",
            "settings.staff",
            order=40,
            current_for=("settings.staff", "settings.staff_hours"),
        ),
    ),
)
