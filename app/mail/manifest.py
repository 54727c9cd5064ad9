"""Outgoing email: everything the area adds to the app (see app/core/areas.py)."""

from app.bookings.api import SessionRecorded
from app.core.areas import Area
from app.core.settings_pages import SettingsPage
from app.mail import bp, parts, queries
from app.mail.bookings import mail_follows_session
from app.mail.delivery import init_delivery
from app.models import EMAIL_KINDS, EMAIL_STATUSES

AREA = Area(
    "mail",
    blueprints=(bp,),
    tabs=(parts.MESSAGES_TAB,),
    export_sections=(parts.MESSAGES_EXPORT,),
    erasure_steps=(parts.MESSAGES_ERASURE,),
    # Addresses and subjects are plain text: an erasure scrubs this table's files too.
    personal_tables=("outgoing_emails",),
    row_words={"outgoing_emails": ("email", "emails")},
    settings_pages=(SettingsPage("outbox", "Outbox", "mail.outbox", order=50),),
    template_filters={
        "email_kind": lambda kind: EMAIL_KINDS.get(kind, kind),
        "email_status": lambda status: EMAIL_STATUSES.get(status, status),
    },
    template_globals={"outbox_filters": queries.OUTBOX_FILTERS},
    # The client's emails about their sessions.
    subscriptions=((SessionRecorded, mail_follows_session),),
    # The delivery task and the hourly task (reminders, lost messages) on the app's queue.
    on_app=(init_delivery,),
)
