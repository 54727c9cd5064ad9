"""Tables only, one module per area. Importing this package registers them all."""

from app.models.activity import Activity
from app.models.alert import ALERT_MAX_LENGTH, ALERT_SEVERITIES, Alert
from app.models.base import Base, UTCDateTime, utcnow
from app.models.booking import (
    BOOKING_STATUSES,
    CANCEL_REASON_MAX_LENGTH,
    HOLDING_STATUSES,
    LONGEST_SERVICE_MINUTES,
    SERVICE_NAME_MAX_LENGTH,
    WEEKDAYS,
    Booking,
    BusinessSetting,
    CheckIn,
    ClassTime,
    ClientSessionCounts,
    DayOff,
    Service,
    WorkingHours,
)
from app.models.client import (
    BOOKING_POLICIES,
    EDITABLE_FIELDS,
    ERASED_FIRST_NAME,
    ERASED_LAST_NAME,
    FIELD_LABELS,
    Client,
)
from app.models.data import (
    IMPORT_ACTIONS,
    UNDO_MERGE_DAYS,
    ClientImport,
    ImportedClient,
    Merge,
    MergedClient,
    NotDuplicate,
)
from app.models.job import JOB_STATUSES, DataExport, Job
from app.models.label import (
    LABEL_COLOURS,
    LABEL_KEY_MAX_LENGTH,
    LABEL_NAME_MAX_LENGTH,
    Label,
    client_labels,
)
from app.models.note import NOTE_MAX_LENGTH, Note
from app.models.privacy import Erasure
from app.models.staff import ROLES, SignInThrottle, StaffMember, StaffSession

__all__ = [
    "IMPORT_ACTIONS",
    "UNDO_MERGE_DAYS",
    "ClientImport",
    "ImportedClient",
    "Merge",
    "MergedClient",
    "NotDuplicate",
    "BOOKING_STATUSES",
    "CANCEL_REASON_MAX_LENGTH",
    "LONGEST_SERVICE_MINUTES",
    "SERVICE_NAME_MAX_LENGTH",
    "HOLDING_STATUSES",
    "WEEKDAYS",
    "Booking",
    "BusinessSetting",
    "CheckIn",
    "ClassTime",
    "ClientSessionCounts",
    "DayOff",
    "Service",
    "WorkingHours",
    "ALERT_MAX_LENGTH",
    "ALERT_SEVERITIES",
    "Activity",
    "Alert",
    "BOOKING_POLICIES",
    "Base",
    "Client",
    "EDITABLE_FIELDS",
    "ERASED_FIRST_NAME",
    "ERASED_LAST_NAME",
    "DataExport",
    "Erasure",
    "JOB_STATUSES",
    "Job",
    "FIELD_LABELS",
    "LABEL_COLOURS",
    "LABEL_KEY_MAX_LENGTH",
    "LABEL_NAME_MAX_LENGTH",
    "Label",
    "NOTE_MAX_LENGTH",
    "Note",
    "ROLES",
    "SignInThrottle",
    "StaffMember",
    "StaffSession",
    "UTCDateTime",
    "client_labels",
    "utcnow",
]
