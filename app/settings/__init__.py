"""Settings pages that combine several areas: Services (the booking rules beside the
business's email details) and Staff (who takes bookings), with Labels, the kiosk PIN
and the erasure log. They hang on the core's Settings navigation
(app/core/settings_pages.py), as every area's Settings pages do."""

from app.settings import routes, services  # noqa: F401
