"""The profile shell: how an area's tab route draws its tab inside the client's profile
(the header, the tab bar, the panel), without knowing anything else of the profile.

The clients area draws the profile; it hands its drawing function to the core through
its manifest (`profile_shell`), so an area's routes depend on the core alone."""

from collections.abc import Callable

_draw: Callable | None = None


def set_profile_shell(draw: Callable) -> None:
    global _draw
    _draw = draw


def render_profile_tab(client_id: int, tab: str, status: int = 200, **tab_extra):
    """A registered tab's page (or the profile_tab block for htmx). `tab_extra` joins
    the tab's loaded data (a form being filled, an error)."""
    if _draw is None:
        raise RuntimeError("no area draws the profile (the clients area is not installed)")
    return _draw(client_id, tab, status=status, **tab_extra)
