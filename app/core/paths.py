"""Where a redirect may send a signed-in person: only back into this site."""

import re
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter, ValidationError


def safe_next_path(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative //host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return None
    return target


# Ids are 32-bit integers in the database; a larger number in a URL names nothing.
MAX_ID = 2**31 - 1
# ASCII digits only: str.isdigit() and \d also take "²", "٣" or "１", which int() or the
# database refuse (or read as another number). Ten digits cover MAX_ID.
_ID = re.compile(r"[0-9]{1,10}")


def parse_id(text) -> int | None:
    """The record id written in `text` (URL part, query or form value), or None.

    The one place that says what an id looks like: ASCII digits naming 1..MAX_ID."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """<id:client_id>: an id as parse_id() reads it, else 404."""

    regex = _ID.pattern

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> int:
        found = parse_id(value)
        if found is None:
            raise ValidationError()
        return found
