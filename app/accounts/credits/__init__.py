"""Credits: the Overview's Credits box, "Issue credits" and "Revoke" by staff who may
adjust credits, credits paying for sessions, the credit policy for late cancellations
and no-shows, and the job that grants memberships' credits each period and expires what
is past its expiry.

Every change of credits goes through ledger.py (the one writer; redeeming.py for a
session's credit). forms.py and ops.py are staff's adjustments, policy.py the business's
policy, followers.py the sessions paid with credits, box.py and queries.py the reads,
parts.py what the profile and the export get, jobs.py the hourly job, routes.py HTTP."""

from app.accounts.credits import followers, jobs, parts, routes  # noqa: F401
