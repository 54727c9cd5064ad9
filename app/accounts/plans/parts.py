"""What plans add to the rest of the app: the plan_summary template filter, a plan in a
line of words wherever one is listed."""

from app.models.accounts import BILLING_PERIODS, MembershipPlan


def plan_summary(plan: MembershipPlan) -> str:
    """ "Monthly, 8 credits a period, minimum 3 months" or "10 credits, 90 days"."""
    if plan.kind == "pack":
        return f"{_plural(plan.credits, 'credit')}, {_plural(plan.credit_expiry_days or 0, 'day')}"
    unit = {"week": "week", "month": "month", "year": "year"}.get(plan.billing_period or "", "")
    parts = [BILLING_PERIODS.get(plan.billing_period or "", "")]
    if plan.credits:
        parts.append(f"{_plural(plan.credits, 'credit')} a {unit}")
    if plan.minimum_term > 1:
        parts.append(f"minimum {_plural(plan.minimum_term, unit)}")
    return ", ".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


PLAN_FILTERS = {"plan_summary": plan_summary}
