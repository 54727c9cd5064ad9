"""Data-rights requests: from the client page, "Download my data", "Suggest a
correction" and "Ask to delete my data"; a staff queue (Settings → Requests) where each
is approved or declined; the outcome emailed to the client, and both in the timeline.

Its client views go on the portal blueprint (/me), its staff views on the settings
blueprint; its parts register with the profile, export and erasure registries."""

from app.portal.requests import parts, routes, staff  # noqa: F401
