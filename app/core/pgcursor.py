"""A psycopg cursor that converts and describes a statement once, not at every execution.

The one module that leans on psycopg's private code (psycopg._queries); kept because it
is worth more than 3% of the profile on PostgreSQL (bench/RESULTS.md, "Speed tricks"),
and held by tests/house/test_fast_paths.py, which fails when psycopg changes underneath.

psycopg rewrites a statement's %(name)s placeholders into $1, $2... (a regular
expression over the whole text) and remembers the result only for statements up to
4 KiB with at most 50 parameters; the profile's statement, with the cards that ride on
it, is longer, and was converted anew at every page. The cursor remembers conversions
of statements up to _LONGEST characters, the last _CONVERSIONS of them (psycopg's own
limits are there for ORMs' ever-new statements, and an import's batches of rows are
such statements: longer than that, they are converted each time).

psycopg builds `description` anew at every access (a Python object per column) and
SQLAlchemy reads it after every statement. The text of a statement fixes its result
columns (a prepared statement may not change them), so the list is kept per statement
text and column count, and shared: psycopg's Column objects are plain values.
"""

from functools import lru_cache

import psycopg
from psycopg._queries import PostgresQuery, _query2pg_nocache

_CONVERSIONS = 256
_LONGEST = 32_768
_KEPT = 512  # distinct statements; the app runs a few dozen
_descriptions: dict = {}


_converted = lru_cache(maxsize=_CONVERSIONS)(_query2pg_nocache)


class _ConvertedOnceQuery(PostgresQuery):
    __slots__ = ()

    def convert(self, query, vars) -> None:
        if vars is None or type(query) is not str or len(query) > _LONGEST:
            return super().convert(query, vars)
        encoding = self._tx.encoding
        converted = _converted(query.encode(encoding), encoding)
        self.query, self._want_formats, self._order, self._parts = converted
        self.dump(vars)
        return None


class DescribedOnceCursor(psycopg.Cursor):
    _query_cls = _ConvertedOnceQuery

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
            if len(_descriptions) >= _KEPT:
                # Full (an import's ever-new batch statements, a long test run): start
                # again rather than stop remembering, so what runs now is kept.
                _descriptions.clear()
            _descriptions[key] = columns
        return columns
