"""Data about clients as a whole: the data-subject export (import, duplicates and merge
come later)."""
