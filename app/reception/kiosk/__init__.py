"""The self check-in kiosk (/kiosk): a narrow session of its own on the reception tablet.

A staff member starts it from the reception page (reception.start_kiosk), which ends
their own session in that browser. From then the browser carries the kiosk's cookie
and nothing else: every path outside /kiosk redirects to /kiosk (realm.py's guard runs
before any other check), and leaving takes a staff member's PIN.

A client types the last four digits of their phone and their birthday; nothing
personal shows before a unique match, and then only their first name and last
initial with today's sessions. Everything else is "Please see reception" (the same
screen whatever the reason), and the reception screen lists them as waiting.

The package: the blueprint here; the kiosk's own realm of sign-in (its cookie, the guard
that keeps a kiosk browser in /kiosk, the session its views require) in realm.py; the
screens and their views in routes.py; writes in ops.py, reads in queries.py, and what
the kiosk adds to the rest of the app in parts.py.
"""

from flask import Blueprint

# The kiosk's own pages need no staff sign-in (the manifest makes it a realm of its
# own): its session is checked in realm.py.
bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

# Importing these registers the kiosk's guard, session check and views on the blueprint.
from app.reception.kiosk import realm, routes  # noqa: E402, F401
