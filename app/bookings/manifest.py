"""Sessions: everything the area adds to the app (see app/core/areas.py)."""

from app.bookings import bp, parts, queries
from app.bookings.counts import refresh_counts
from app.core.areas import Area
from app.models import BOOKING_STATUSES

AREA = Area(
    "bookings",
    blueprints=(bp,),
    tabs=(parts.SESSIONS_TAB, parts.CHECK_INS_TAB),
    cards=(parts.SESSION_STATS_CARD,),
    actions=(parts.BOOK_ACTION,),
    verbs=parts.SESSION_VERBS,
    audit_field_labels=parts.SESSION_FIELD_LABELS,
    activity_filters={"sessions": ("Sessions", tuple(parts.SESSION_VERBS))},
    export_sections=(parts.SESSIONS_EXPORT, parts.CHECK_INS_EXPORT),
    erasure_steps=(parts.SESSIONS_ERASURE,),
    # The reasons staff type are personal text: an erasure scrubs this table's files too.
    personal_tables=("bookings",),
    # A merge moves the sessions; the counts are then recounted for each profile involved.
    merge_derived={"client_session_counts": refresh_counts},
    row_words={
        "bookings": ("session", "sessions"),
        "check_ins": ("check-in", "check-ins"),
        "client_session_counts": ("session count", "session counts"),
    },
    template_filters={"session_status": lambda status: BOOKING_STATUSES.get(status, status)},
    template_globals={"session_filters": queries.SESSION_FILTERS},
)
