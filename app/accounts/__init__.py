"""Memberships, packs, credits and passes: Settings → Plans, the membership card under
the client's name, the Credits box, the Account tab, and the credit ledger.

One blueprint, `accounts`, for the whole area; each package adds its routes, parts and
jobs to it when imported here: memberships/, credits/ (with the credit ledger), passes/
and plans/; parts.py and routes.py are the Account tab, which shows all of them, and
verbs.py the timeline's words for the area."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

# isort: off
# In this order: the packages' sections of the one-client export (and their tables' words)
# come in the order the packages are imported.
from app.accounts import memberships, credits, passes, plans  # noqa: E402, F401
from app.accounts import parts, routes, verbs  # noqa: E402, F401

# isort: on
