"""The client page (/me) and data-rights requests: everything the area adds to the app
(see app/core/areas.py)."""

from app.core.areas import Area
from app.core.settings_pages import SettingsPage
from app.data.api import ProfileMergedInto
from app.portal import bp, helpers, parts
from app.portal.accounts import bp as accounts_bp
from app.portal.requests import parts as request_parts

AREA = Area(
    "portal",
    # Staff's side (invitations and resets from the profile) lives under /clients,
    # beside the profile, in a blueprint of its own.
    blueprints=(bp, accounts_bp),
    # The client page's views are not staff pages: the staff gate lets them through to
    # @client_required.
    other_realms=(bp,),
    cards=(
        parts.CLIENT_PAGE_CARD,
        parts.CLIENT_DETAILS_CARD,
        request_parts.DATA_REQUESTS_CARD,
    ),
    verbs={**parts.PORTAL_VERBS, **request_parts.REQUEST_VERBS},
    audit_field_labels={**parts.PORTAL_FIELD_LABELS, **request_parts.REQUEST_FIELD_LABELS},
    filter_additions={"privacy": (*parts.PORTAL_VERBS, *request_parts.REQUEST_VERBS)},
    export_sections=(parts.CLIENT_PAGE_EXPORT, request_parts.DATA_REQUESTS_EXPORT),
    erasure_steps=(parts.CLIENT_PAGE_ERASURE, request_parts.DATA_REQUESTS_ERASURE),
    # The sign-in address, the proposed values and the reasons are personal text: an
    # erasure scrubs these tables' files too.
    personal_tables=("client_accounts", "data_requests"),
    merge_stays={"client_accounts": parts.ACCOUNTS_STAY},
    template_filters=helpers.PORTAL_FILTERS,
    template_globals=helpers.PORTAL_GLOBALS,
    subscriptions=((ProfileMergedInto, parts.hand_over_merged_account),),
    settings_pages=(
        SettingsPage(
            "requests",
            "Requests",
            "settings.data_requests",
            order=60,
            current_for=(
                "settings.data_requests",
                "settings.approve_data_request",
                "settings.decline_data_request",
            ),
        ),
    ),
)
