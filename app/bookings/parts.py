"""What sessions add to the rest of the app: the profile's Sessions tab, Check-ins tab,
statistics card and "Book session" action, the timeline's verbs, and the one-client
export's sections and erasure step (listed in app/bookings/manifest.py)."""

from flask import abort, request
from sqlalchemy import select, update

from app.bookings import queries
from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.extensions import db
from app.core.parts import (
    OverviewCard,
    ProfileAction,
    ProfileColumns,
    ProfileTab,
)
from app.models import Booking, CheckIn, Service, StaffMember, utcnow

SESSION_VERBS = {
    "session.booked": "Session booked",
    "session.waitlisted": "Joined the waitlist",
    "session.moved_in": "Moved in from the waitlist",
    "session.place_passed_on": "Place passed to the waitlist",
    "session.confirmed": "Session confirmed",
    "session.completed": "Session completed",
    "session.cancelled": "Session cancelled",
    "session.cancelled_late": "Session cancelled late",
    "session.no_show": "Marked no-show",
    "session.rescheduled": "Session rescheduled",
    "session.removed_from_history": "Removed from history",
    "session.put_back": "Put back in history",
    "client.checked_in": "Checked in",
}
SESSION_FIELD_LABELS = {
    "session": "Session",
    "cancel_reason": "Reason",
    "removed_reason": "Reason",
    "status": "Status",
    "checked_in_at": "Where",
}


def _sessions_tab(client) -> dict:
    now = utcnow()
    # The tab's own URL carries the status filter (?status=cancelled): both lists obey it.
    status = request.args.get("status", "") if request.method == "GET" else ""
    if status not in queries.SESSION_FILTERS:
        abort(404)
    return {
        "now": now,
        "session_form": None,
        "booked": None,
        # "stats" rides on the profile's statement (see the tab's columns).
        "upcoming": queries.sessions_page(client.id, "upcoming", now, status),
        # Past sessions load when scrolled to (a sentinel), as the timeline does.
        "status_filter": status,
    }


CLIENT_PAGE_SESSIONS = 20


def _client_sessions(client) -> dict:
    """The client page's Sessions: upcoming soonest first, then the latest past ones."""
    now = utcnow()
    return {
        "now": now,
        # The client page has no sentinel: the twenty soonest and latest.
        "upcoming": queries.sessions_page(client.id, "upcoming", now, limit=CLIENT_PAGE_SESSIONS),
        "past": queries.sessions_page(client.id, "past", now, limit=CLIENT_PAGE_SESSIONS),
    }


def _stats_card(client) -> dict:
    return {"stats": queries.session_stats(client.id, utcnow())}


def _stats_from_profile(client, values) -> dict:
    return {"stats": queries.session_stats_of(values)}


# The statistics ride on the profile's statement, for the Overview's card and the
# Sessions tab alike.
_STATS_COLUMNS = ProfileColumns(queries.with_session_stats, _stats_from_profile, _stats_card)


def _check_ins_tab(client) -> dict:
    return {"check_ins": queries.check_ins_page(client.id)}


SESSIONS_TAB = ProfileTab(
    "sessions",
    "Sessions",
    "bookings.sessions_tab",
    order=100,
    template="bookings/_sessions_tab.html",
    load=_sessions_tab,
    queries=1,
    columns=_STATS_COLUMNS,
    client_facing=True,
    client_template="bookings/_client_sessions.html",
    client_load=_client_sessions,
    client_queries=2,
)
CHECK_INS_TAB = ProfileTab(
    "check-ins",
    "Check-ins",
    "bookings.check_ins_tab",
    order=110,
    template="bookings/_check_ins_tab.html",
    load=_check_ins_tab,
    queries=1,
)
SESSION_STATS_CARD = OverviewCard(
    "session-stats",
    "bookings/_stats_card.html",
    order=10,
    load=_stats_card,
    queries=1,
    client_facing=True,
    columns=_STATS_COLUMNS,
)
BOOK_ACTION = ProfileAction("book", "Book session", "bookings.book", order=10)


def _export_sessions(client) -> list[dict]:
    rows = db.session.execute(
        select(Booking, Service.name, StaffMember.name)
        .join(Service, Service.id == Booking.service_id)
        .outerjoin(StaffMember, StaffMember.id == Booking.practitioner_id)
        .where(Booking.client_id == client.id)
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    return [
        {
            "service": service,
            "practitioner": practitioner,
            "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(),
            "status": booking.status,
            "cancel_reason": booking.cancel_reason,
            "late_cancellation": booking.late_cancellation,
            "removed_from_history": booking.removed_at is not None,
        }
        for booking, service, practitioner in rows
    ]


SESSIONS_EXPORT = ExportSection(
    "sessions", _export_sessions, tables=("bookings", "client_session_counts")
)


def _export_check_ins(client) -> list[dict]:
    rows = db.session.scalars(
        select(CheckIn).where(CheckIn.client_id == client.id).order_by(CheckIn.at, CheckIn.id)
    ).all()
    return [{"at": row.at.isoformat(), "session_id": row.booking_id} for row in rows]


CHECK_INS_EXPORT = ExportSection("check_ins", _export_check_ins, tables=("check_ins",))


def _erase_session_texts(client) -> None:
    """Sessions stay (the day's list, the statistics, "Deleted Client"); the reasons
    staff typed about this person go."""
    db.session.execute(
        update(Booking)
        .where(Booking.client_id == client.id)
        .values(cancel_reason=None, removed_reason=None)
    )


SESSIONS_ERASURE = ErasureStep(
    "sessions", _erase_session_texts, tables=("bookings", "check_ins", "client_session_counts")
)
