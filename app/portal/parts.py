"""What client accounts add to the rest of the app: the profile's "Client page" card
(with "Invite to client page" or "Reset password", whichever the account's state calls
for), the client page's own
details section, the timeline's verbs, and the account's place in the one-client export,
the erasure and the merge."""

from app.core.erasure import ErasureStep
from app.core.export import ExportSection
from app.core.parts import OverviewCard
from app.portal import ops

PORTAL_VERBS = {
    "portal.invited": "Invited to the client page",
    "portal.reset_sent": "Password reset sent",
    "portal.password_set": "Client page password set",
    "portal.signed_in": "Signed in to the client page",
}
PORTAL_FIELD_LABELS = {"sent_to": "Sent to", "purpose": "From"}

CLIENT_PAGE_CARD = OverviewCard(
    "client-page",
    "portal/_account_card.html",
    order=80,
    # What it shows loads when it comes into view (its own URL): the profile
    # spends no query on it.
    queries=0,
)
# The client page's own first section: their details as the business holds them, read
# from the row the page already has. Staff see the same on the profile itself.
CLIENT_DETAILS_CARD = OverviewCard(
    "client-details",
    None,
    order=0,
    client_facing=True,
    client_template="portal/_details.html",
)


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


CLIENT_PAGE_EXPORT = ExportSection("client_page", _export_account, tables=("client_accounts",))


def _erase_account(client) -> None:
    """The account goes, and with it its links and sessions (they cascade)."""
    ops.delete_account_of(client.id)


CLIENT_PAGE_ERASURE = ErasureStep("client_page", _erase_account, tables=("client_accounts",))


ACCOUNTS_STAY = (
    "one account per client: the survivor keeps its own; a merged profile's account "
    "moves to the survivor if it has none, else is deleted (app/portal/parts.py)"
)


def hand_over_merged_account(event) -> None:
    """A profile merged into another: its client page account moves or goes."""
    ops.hand_over_account(event.merged)
