"""Log lines never carry a query string.

Searches put clients' names, emails and phones in the query (`/clients?q=…`), and the
next page's Referer repeats it; log files are beyond the reach of erasure, so every
request line the servers write goes through strip_query() first: gunicorn's access and
error logs (GunicornLogger, named in gunicorn.conf.py), the development server's
"werkzeug" logger and the app's own logger (QUERY_FILTER, installed by create_app).
"""

import logging
import re

from gunicorn.glogging import Logger

# A query (or fragment) that follows a path, up to the end of the token: the request
# line "GET /clients?q=ana HTTP/1.1", a bare "/clients?q=ana", a Referer
# "https://host/clients?q=ana". \x1b ends the token too: werkzeug colours its lines.
_QUERY_AFTER_PATH = re.compile(r"(/[^\s?#\"'\x1b]*)[?#][^\s\"'\x1b]*")


def strip_query(text: str) -> str:
    """The text with every query string (and fragment) that follows a path removed."""
    return _QUERY_AFTER_PATH.sub(r"\1", text)


def _strip(value):
    return strip_query(value) if isinstance(value, str) else value


class QueryStringFilter(logging.Filter):
    """Removes query strings from a record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _strip(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _strip(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_strip(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            # Formatted once here; handlers reuse exc_text instead of formatting again.
            record.exc_text = strip_query(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = strip_query(record.exc_text)
        return True


# One instance, so installing it again (one app per test) adds nothing.
QUERY_FILTER = QueryStringFilter()


def install_query_filter(*loggers: logging.Logger) -> None:
    for logger in loggers:
        logger.addFilter(QUERY_FILTER)


class GunicornLogger(Logger):
    """gunicorn's logger, with no query string in any access or error line.

    Every access-log atom is cleaned, not only the request line: a format that names
    %(r)s, %(f)s (Referer), %({hx-current-url}i)s or %({raw_uri}e)s stays clean too.
    """

    def setup(self, cfg):
        super().setup(cfg)
        install_query_filter(self.error_log)

    def atoms(self, resp, req, environ, request_time):
        atoms = {
            key: _strip(value)
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
        atoms["q"] = "-"
        atoms["{query_string}e"] = "-"
        return atoms
