"""Memberships, credits, passes and plans: everything the area adds to the app (see
app/core/areas.py)."""

from app.accounts import bp
from app.core.areas import Area
from app.core.settings_pages import SettingsPage

AREA = Area(
    "accounts",
    blueprints=(bp,),
    settings_pages=(
        SettingsPage(
            "plans",
            "Plans",
            "accounts.plans",
            order=30,
            current_for=("accounts.plans", "accounts.edit_plan"),
        ),
    ),
)
