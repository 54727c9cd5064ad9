"""Settings → Plans: what the business sells. A membership has a price per billing
period, a minimum term in periods and credits each period (lasting a number of days or
to the end of their period); a pack has a price once and a number of credits that
expire a number of days after the sale ("10 classes, 90 days"). Credits pay for the
services a plan covers; a plan that ticks none covers every service.

forms.py reads the plan form (and money as typed), ops.py saves a plan, queries.py
lists plans and services, parts.py adds the plan_summary filter, routes.py the pages."""

from app.accounts.plans import parts, routes  # noqa: F401
