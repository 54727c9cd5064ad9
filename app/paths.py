"""Where a redirect may send a signed-in person: only back into this site."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter


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


class IdConverter(IntegerConverter):
    """<id:client_id>: a positive id the database can hold, else 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)
