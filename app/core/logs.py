"""Log lines never carry a query string, nor a secret that travels in a URL's path.

Searches put clients' names, emails and phones in the query (`/clients?q=…`), and the
next page's Referer repeats it; single-use links carry a token that opens an account
(`/me/set-password?token=…`, an older link's `/me/set-password/<token>`). Log files are
beyond the reach of erasure and readable by whoever runs the servers, so every line the
servers write goes through clean_log_text() first: gunicorn's access and error logs
(GunicornLogger, named in gunicorn.conf.py), the development server's "werkzeug" logger
and the app's own logger (QUERY_FILTER, installed by create_app). This module is the one
place that decides what a log line may keep.
"""

import logging
import re

from gunicorn.glogging import Logger

# A query (or fragment) that follows a path, up to the end of the token: the request
# line "GET /clients?q=ana HTTP/1.1", a bare "/clients?q=ana", a Referer
# "https://host/clients?q=ana". \x1b ends the token too: werkzeug colours its lines.
_QUERY_AFTER_PATH = re.compile(r"(/[^\s?#\"'\x1b]*)[?#][^\s\"'\x1b]*")


# A path segment that carries a secret, masked whatever its length: the segment after
# one of these prefixes. An area that puts a secret in a path adds its prefix here.
SECRET_PATH_PREFIXES = ("/me/set-password/",)
# Any other long random-looking segment (20 or more URL-safe characters: a token, a
# signed value) is masked too, so a secret in a path that nobody listed stays out of the
# logs. No route of ours has a fixed segment that long (tests/core/test_logs.py checks).
SECRET_SEGMENT_LENGTH = 20
MASKED = "[hidden]"
_END = r"(?=[/?#\s\"'\x1b]|$)"
_LISTED_SECRET = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + r")[^/?#\s\"'\x1b]+"
)
_LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-]{" + str(SECRET_SEGMENT_LENGTH) + ",}" + _END)


def strip_query(text: str) -> str:
    """The text with every query string (and fragment) that follows a path removed."""
    return _QUERY_AFTER_PATH.sub(r"\1", text)


def mask_path_secrets(text: str) -> str:
    """The text with every secret-bearing path segment replaced by MASKED."""
    text = _LISTED_SECRET.sub(lambda match: match.group(1) + MASKED, text)
    return _LONG_SEGMENT.sub(MASKED, text)


def clean_log_text(text: str) -> str:
    """What a log line may keep of a text: no query string, no secret in a path."""
    return mask_path_secrets(strip_query(text))


def _strip(value):
    return clean_log_text(value) if isinstance(value, str) else value


class QueryStringFilter(logging.Filter):
    """Removes query strings and path secrets from a record's message, arguments and
    traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _strip(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _strip(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_strip(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            # Formatted once here; handlers reuse exc_text instead of formatting again.
            record.exc_text = clean_log_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = clean_log_text(record.exc_text)
        return True


# One instance, so installing it again (one app per test) adds nothing.
QUERY_FILTER = QueryStringFilter()


def install_query_filter(*loggers: logging.Logger) -> None:
    for logger in loggers:
        logger.addFilter(QUERY_FILTER)


class GunicornLogger(Logger):
    """gunicorn's logger, with no query string nor path secret in any access or error line.

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
