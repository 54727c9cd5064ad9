"""The timeline's words for the accounts area, and its "Account" filter: one place for
the verbs of memberships, credits and passes."""

ACCOUNT_VERBS = {
    "membership.started": "Membership started",
    "membership.pack_sold": "Pack sold",
    "membership.payment_recorded": "Payment recorded",
    "membership.paused": "Membership paused",
    "membership.resumed": "Membership resumed",
    "membership.cancelled": "Membership cancelled",
    "membership.expired": "Membership ended",
    "credits.granted": "Credits granted",
    "credits.issued": "Credits issued",
    "credits.revoked": "Credits revoked",
    "credits.redeemed": "Credit used",
    "credits.returned": "Credit returned",
    "credits.forfeited": "Credit forfeited",
    "credits.expired": "Credits expired",
    "pass.added": "Pass added",
    "pass.replaced": "Pass replaced",
}
