"""A psycopg cursor that describes a statement's columns once, not at every execution.

psycopg builds `description` anew at every access (a Python object per column, ~1.4 µs
each) and SQLAlchemy reads it after every statement: ~47 µs of the profile's 33-column
row, a fifth of what the driver spends on it. The text of a statement fixes its result
columns (a prepared statement may not change them), so the list is kept per statement
text and column count, and shared: psycopg's Column objects are plain values.
"""

import psycopg

_KEPT = 512  # distinct statements; the app runs a few dozen
_descriptions: dict = {}


class DescribedOnceCursor(psycopg.Cursor):
    @property
    def description(self):
        result = self.pgresult
        # The statement as executed: kept for prepared statements too (the converted
        # query psycopg keeps beside it is not, and most statements are prepared soon).
        query = getattr(self, "_last_query", None)
        if result is None or type(query) is not str or not result.nfields:
            return super().description
        key = (query, result.nfields)
        columns = _descriptions.get(key)
        if columns is None:
            columns = super().description
            if len(_descriptions) < _KEPT:
                _descriptions[key] = columns
        return columns
