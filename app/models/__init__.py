"""Tables only, one module per area. Importing this package registers them all."""

from app.models.activity import Activity
from app.models.base import Base, UTCDateTime, utcnow
from app.models.client import EDITABLE_FIELDS, FIELD_LABELS, Client
from app.models.staff import ROLES, SignInThrottle, StaffMember, StaffSession

__all__ = [
    "Activity",
    "Base",
    "Client",
    "EDITABLE_FIELDS",
    "FIELD_LABELS",
    "ROLES",
    "SignInThrottle",
    "StaffMember",
    "StaffSession",
    "UTCDateTime",
    "utcnow",
]
