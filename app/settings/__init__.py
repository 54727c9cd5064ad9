"""Settings pages that combine several areas: Services (the booking rules beside the
business's email details), Staff (who takes bookings, their hours, days off and kiosk
PINs) and each staff member's own kiosk PIN. They hang on the core's Settings
navigation (app/core/settings_pages.py), as every area's Settings pages do."""

from app.settings import kiosk_pin, services  # noqa: F401
