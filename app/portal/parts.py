"""What client accounts add to the rest of the app: the profile's "Client page" card
(with "Invite to client page" or "Reset password", whichever the account's state calls
for), the client page's own
details section, the timeline's verbs, and the account's place in the one-client export,
the erasure and the merge."""

from app.core.database import PERSONAL_TABLES
from app.core.erasure import erasure_step
from app.core.export import export_section
from app.core.parts import OverviewCard, register_card
from app.core.timeline import ACTIVITY_FILTERS, AUDIT_FIELD_LABELS, VERB_LABELS, follow
from app.data.merge import STAYS
from app.portal import ops

PORTAL_VERBS = {
    "portal.invited": "Invited to the client page",
    "portal.reset_sent": "Password reset sent",
    "portal.password_set": "Client page password set",
    "portal.signed_in": "Signed in to the client page",
}
VERB_LABELS.update(PORTAL_VERBS)
AUDIT_FIELD_LABELS.update(sent_to="Sent to", purpose="From")
_name, _verbs = ACTIVITY_FILTERS["privacy"]
ACTIVITY_FILTERS["privacy"] = (
    _name,
    _verbs + tuple(verb for verb in PORTAL_VERBS if verb not in _verbs),
)

register_card(
    OverviewCard(
        "client-page",
        "portal/_account_card.html",
        order=80,
        # What it shows loads when it comes into view (its own URL): the profile
        # spends no query on it.
        queries=0,
    )
)
# The client page's own first section: their details as the business holds them, read
# from the row the page already has. Staff see the same on the profile itself.
register_card(
    OverviewCard(
        "client-details",
        None,
        order=0,
        client_facing=True,
        client_template="portal/_details.html",
    )
)


@export_section("client_page", tables=("client_accounts",))
def _export_account(client) -> dict | None:
    account = ops.account_of(client.id)
    if account is None:
        return None
    return {
        "email": account.email,
        "created_at": account.created_at.isoformat(),
        "activated_at": account.activated_at.isoformat() if account.activated_at else None,
        "last_sign_in_at": (
            account.last_sign_in_at.isoformat() if account.last_sign_in_at else None
        ),
    }


@erasure_step("client_page", tables=("client_accounts",))
def _erase_account(client) -> None:
    """The account goes, and with it its links and sessions (they cascade)."""
    ops.delete_account_of(client.id)


# The sign-in address is plain text: an erasure scrubs this table's files too.
if "client_accounts" not in PERSONAL_TABLES:
    PERSONAL_TABLES.append("client_accounts")

STAYS["client_accounts"] = (
    "one account per client: the survivor keeps its own; a merged profile's account "
    "moves to the survivor if it has none, else is deleted (app/portal/parts.py)"
)


@follow("client.merged_into")
def _merged_account(client, verb, actor, subject, at) -> None:
    ops.hand_over_account(client)
