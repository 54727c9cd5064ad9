"""The bookings area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.bookings.attendance import check_in
from app.bookings.calendar import (
    CALENDAR_TYPE,
    SessionEvent,
    calendar_bytes,
    calendar_filename,
    calendar_response,
)
from app.bookings.checks import BookingRefused, SessionChanged
from app.bookings.events import SessionRecorded
from app.bookings.forms import RulesForm, ServiceForm, parse_wall_time
from app.bookings.scheduling import (
    BookingRequest,
    add_past_session,
    create_booking,
    load_with_booking_client,
)
from app.bookings.service_settings import (
    add_class_time,
    remove_class_time,
    save_service,
    set_days_off,
    set_practitioner,
)
from app.bookings.settings import all_values as stored_booking_rules
from app.bookings.settings import reminder_hour
from app.bookings.settings import save as save_booking_rules
from app.bookings.slots import day_bounds, practitioners

__all__ = [
    "BookingRefused",
    "BookingRequest",
    "CALENDAR_TYPE",
    "RulesForm",
    "ServiceForm",
    "SessionRecorded",
    "SessionChanged",
    "SessionEvent",
    "add_class_time",
    "add_past_session",
    "stored_booking_rules",
    "calendar_bytes",
    "calendar_filename",
    "calendar_response",
    "check_in",
    "create_booking",
    "day_bounds",
    "load_with_booking_client",
    "parse_wall_time",
    "practitioners",
    "reminder_hour",
    "remove_class_time",
    "save_booking_rules",
    "save_service",
    "set_days_off",
    "set_practitioner",
]
