"""How staff read a number of rows of a table that points at a client ("3 sessions"):
one place for the merge's and the import revert's messages."""

ROW_WORDS = {
    "activities": ("timeline event", "timeline events"),
    "alerts": ("alert", "alerts"),
    "bookings": ("session", "sessions"),
    "check_ins": ("check-in", "check-ins"),
    "client_session_counts": ("session count", "session counts"),
    "merged_clients": ("merge", "merges"),
    "merges": ("merge", "merges"),
    "not_duplicates": ("pair marked not duplicates", "pairs marked not duplicates"),
    "notes": ("note", "notes"),
}


def rows_in_words(table: str, count: int) -> str:
    """ "1 note", "12 notes"; a table without words reads as "records"."""
    one, many = ROW_WORDS.get(table, ("record", "records"))
    return f"{count:,} {one if count == 1 else many}"
