"""Memberships, credits, passes and plans: everything the area adds to the app (see
app/core/areas.py)."""

from app.accounts import bp, parts, verbs
from app.accounts.credits import parts as credit_parts
from app.accounts.credits.followers import credits_follow_session
from app.accounts.credits.jobs import CREDIT_JOBS_TASK
from app.accounts.memberships import parts as membership_parts
from app.accounts.memberships.jobs import MEMBERSHIP_STATUSES_TASK
from app.accounts.passes import parts as pass_parts
from app.accounts.plans import parts as plan_parts
from app.bookings.api import SessionRecorded
from app.core.areas import Area
from app.core.settings_pages import SettingsPage

AREA = Area(
    "accounts",
    blueprints=(bp,),
    tabs=(parts.ACCOUNT_TAB,),
    cards=(credit_parts.CREDITS_CARD, pass_parts.CLIENT_PASS_CARD),
    header_cards=(membership_parts.MEMBERSHIP_HEADER_CARD,),
    actions=(membership_parts.NEW_MEMBERSHIP_ACTION,),
    badges=(membership_parts.MEMBERSHIP_BADGES,),
    finders=(pass_parts.PASS_FINDER,),
    verbs=verbs.ACCOUNT_VERBS,
    audit_field_labels={
        **membership_parts.MEMBERSHIP_FIELD_LABELS,
        **credit_parts.CREDIT_FIELD_LABELS,
        **pass_parts.PASS_FIELD_LABELS,
    },
    activity_filters={"account": ("Account", tuple(verbs.ACCOUNT_VERBS))},
    export_sections=(
        membership_parts.MEMBERSHIPS_EXPORT,
        credit_parts.CREDITS_EXPORT,
        pass_parts.PASSES_EXPORT,
    ),
    erasure_steps=(parts.ACCOUNTS_ERASURE,),
    # Pass numbers identify a person: an erasure scrubs this table's files too.
    personal_tables=("passes",),
    # A merge moves the ledger rows of both profiles to the survivor; its one balance row
    # is then the sum of them (and an undo gives each profile back its own).
    merge_derived={"client_credit_balances": credit_parts.refresh_balance},
    row_words={
        **membership_parts.MEMBERSHIP_ROW_WORDS,
        **credit_parts.CREDIT_ROW_WORDS,
        **pass_parts.PASS_ROW_WORDS,
    },
    # Sessions paid with credits: redeemed, given back or forfeited as sessions change.
    subscriptions=((SessionRecorded, credits_follow_session),),
    hourly_tasks=(MEMBERSHIP_STATUSES_TASK, CREDIT_JOBS_TASK),
    settings_pages=(
        SettingsPage(
            "plans",
            "Plans",
            "accounts.plans",
            order=30,
            current_for=("accounts.plans", "accounts.edit_plan"),
        ),
    ),
    template_filters={
        **parts.ACCOUNT_FILTERS,
        **plan_parts.PLAN_FILTERS,
        "credit_last_day": credit_parts.last_day_text,
    },
)
