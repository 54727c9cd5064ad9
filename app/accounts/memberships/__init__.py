"""Memberships and packs sold to a client: selling one, recording a period paid, a pause
(freeze), a cancellation honouring the minimum term, and the daily step that resumes
paused memberships and ends cancelled ones and packs. Also what the rest of the app
shows of them: the card under the client's name, the badge beside it in lists, and the
queries the Account tab reads.

ops.py holds the writes, jobs.py the daily step, card.py the card and the badge,
queries.py the Account tab's reads, parts.py what the profile and the export get,
routes.py the forms on the profile."""

from app.accounts.memberships import jobs, parts, routes  # noqa: F401
