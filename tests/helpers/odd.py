"""Odd but harmless values, for the sweeps that send them to every route."""

from urllib.parse import quote

# Path parts in place of an id, percent-encoded: digits that str.isdigit() or \d accept
# but int() or the database do not (or read as another number), numbers out of range,
# signs, junk, NUL.
ODD_PATH_VALUES = (
    quote("²"),
    quote("٣"),
    quote("１"),
    "-1",
    "+1",
    "1_0",
    "0",
    str(10**20),
    "9" * 5000,
    "x" * 10_000,
    "%00",
    "%0A",
)
# What routing refuses is the same for every role: the full list for two of them, these
# for the others.
SOME_ODD_PATH_VALUES = (quote("٣"), "0", str(10**20))

LONG = "x" * 9_999 + "é"
# Sent for every parameter name at once (a query string for reads, a form for writes).
ODD_VALUES = (
    "²",
    "٣",
    "-1",
    str(10**20),
    "",
    LONG,
    "a\x00b\x01\x1b[0m\r\n\u202e",
    "\ufffe\uffff\U0010ffff",
)
# A JSON body where a form is expected: values no text field can take.
JSON_VALUES = (5, None, [1, "²"], {"a": 1}, True)
# htmx tells where the page was; a signed-out htmx request is sent back there.
ODD_CURRENT_URLS = ("http://[", "//a:99999999/x", "/clients?q=%00", "/" + "x" * 5000)
