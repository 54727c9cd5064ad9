"""The areas of the app, in the order they are installed: the one list the app factory
walks (each area's parts are declared in its `manifest.py`; docs/architecture.md says
how to add one). Their order is the order of their Settings pages' ties, of the
export's sections and of the handlers of an event."""

from importlib import import_module

from app.core.areas import Area

AREAS = (
    "app.auth",
    "app.clients",
    "app.bookings",
    "app.accounts",
    "app.reception",
    "app.data",
    "app.mail",
    "app.portal",
    "app.settings",
    "app.demo",
)


def load_areas(names=AREAS) -> list[Area]:
    return [import_module(f"{name}.manifest").AREA for name in names]
