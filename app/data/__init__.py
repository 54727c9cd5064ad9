"""Data about clients as a whole: the data-subject export, backups and restore, the
erasure ledger that restore re-applies, import, list export, duplicates and merge."""
