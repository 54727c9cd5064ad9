"""Data about clients as a whole: the data-subject export, backups and restore, and the
erasure ledger that restore re-applies (import, duplicates and merge come later)."""
