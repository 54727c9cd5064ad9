"""Settings: a navigation the areas add their pages to.

Each area lists its `SettingsPage`s in its manifest (the page's view is the area's own,
on the shared `settings` blueprint below so every Settings address starts /settings);
the navigation shows the pages the signed-in staff member may open, in order.
"""

from dataclasses import dataclass

from flask import Blueprint

from app.core.permissions import Permission, can
from app.core.registry import Registry

bp = Blueprint("settings", __name__, url_prefix="/settings")


@dataclass(frozen=True)
class SettingsPage:
    name: str
    label: str
    endpoint: str  # the page's view, taking no argument
    order: int
    permission: Permission = Permission.MANAGE_SETTINGS
    # The views (or beginnings of their names) that show this page's entry as the
    # current one: its edit pages too.
    current_for: tuple[str, ...] = ()

    def is_current(self, endpoint: str | None) -> bool:
        return endpoint == self.endpoint or (
            endpoint is not None and endpoint.startswith(self.current_for or (self.endpoint,))
        )


SETTINGS_PAGES = Registry("Settings page")


def settings_pages_for(user) -> list[SettingsPage]:
    pages = sorted(SETTINGS_PAGES.values(), key=lambda page: page.order)
    return [page for page in pages if can(user, page.permission)]
