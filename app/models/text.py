"""Text folding shared by what we store for search and what we search for.

Both sides must fold the same way, so this is the one place that decides it.
"""

import re
import unicodedata

import phonenumbers

_PHONE_QUERY = re.compile(r"^\+?[\d\s().\-/]+$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: "José  Ñúñez" -> "jose nunez"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().translate(_UNDECOMPOSED).split())


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_search_forms(e164: str | None) -> list[str]:
    """Every digit string a person may type for a number: international, national, bare."""
    if not e164:
        return []
    forms = [digits(e164)]
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    national = digits(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    significant = phonenumbers.national_significant_number(number)
    for form in (national, significant):
        if form and form not in forms:
            forms.append(form)
    return forms


def phone_query_digits(query: str) -> str | None:
    """The digits to look for when a query reads as a phone number, else None."""
    query = query.strip().replace("(0)", "")  # "+44 (0)20 7946 0958": the zero is optional
    if not _PHONE_QUERY.match(query):
        return None
    found = digits(query)
    if query.startswith("00"):
        found = found[2:]  # international prefix written as 00 instead of +
    return found if len(found) >= 3 else None


def has_control_chars(text: str) -> bool:
    return bool(CONTROL_CHARS.search(text))


class NotAPhoneNumber(ValueError):
    """`invalid` is True for a number that parses but does not exist (a wrong length)."""

    def __init__(self, invalid: bool):
        super().__init__("invalid phone number" if invalid else "not a phone number")
        self.invalid = invalid


def phone_to_e164(text: str, region: str) -> str:
    """A phone number typed however the person likes, in E.164 (how clients' phones are
    kept); numbers without a country code are read in `region`."""
    text = text.strip()
    if has_control_chars(text) or len(text) > 40:
        raise NotAPhoneNumber(invalid=False)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise NotAPhoneNumber(invalid=False) from error
    if not phonenumbers.is_valid_number(number):
        raise NotAPhoneNumber(invalid=True)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
