"""How staff read a number of rows of a table that points at a client ("3 sessions"):
one place for the merge's and the import revert's messages. An area names its own
tables' words in its manifest (`row_words`)."""

from app.core.registry import Registry

ROW_WORDS = Registry(
    "table's words",
    {
        "activities": ("timeline event", "timeline events"),
        "alerts": ("alert", "alerts"),
        "notes": ("note", "notes"),
    },
)


def rows_in_words(table: str, count: int) -> str:
    """ "1 note", "12 notes"; a table without words reads as "records"."""
    one, many = ROW_WORDS.get(table, ("record", "records"))
    return f"{count:,} {one if count == 1 else many}"
