"""Passes: a physical membership card or key tag whose number finds the client.

"Add pass" links a number to the client; "Replace pass" ends a lost or damaged one (its
number stops finding anyone) and links the new one. A number is stored upper-cased, so
it is compared whatever case it is typed or scanned in; among the passes in use it is
unique (the partial unique index uq_passes_number_in_use holds that even for two staff
adding the same number at once).

forms.py reads a number, ops.py adds and replaces passes, queries.py reads them (and
finds a client by one), parts.py adds the finder, the Passes section, the QR code on the
client page and the export's section, routes.py the forms on the Account tab.
"""

from app.accounts.passes import parts, routes  # noqa: F401
