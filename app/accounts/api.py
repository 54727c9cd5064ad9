"""The accounts area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.accounts.credits.forms import IssueValues
from app.accounts.credits.jobs import run_credit_jobs
from app.accounts.credits.ops import issue_credits, revoke_credits
from app.accounts.credits.redeeming import redeem_credit
from app.accounts.memberships.ops import cancel_membership, pause_membership, sell_membership
from app.accounts.passes.ops import add_pass, replace_pass
from app.accounts.plans.forms import PlanValues
from app.accounts.plans.ops import save_plan

__all__ = [
    "IssueValues",
    "PlanValues",
    "add_pass",
    "cancel_membership",
    "issue_credits",
    "pause_membership",
    "redeem_credit",
    "replace_pass",
    "revoke_credits",
    "run_credit_jobs",
    "save_plan",
    "sell_membership",
]
