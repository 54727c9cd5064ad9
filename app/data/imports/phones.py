"""Phone numbers from a file made in another country: a number written without its
country code is read in the row's country when the row gives one, and a number that only
reads as one of ours by accident (a premium-rate number, or one of a country other
than the row's) is not stored as it is: the row's checks set it aside with why."""

import phonenumbers
from phonenumbers import PhoneNumberType


def in_rows_country(number: str, country: str, business_region: str) -> str:
    """A number written without its country code, in the country the row gives (when
    not the business's): "06 12 34 56 78" of a client in France -> "+33612345678". The
    number as it is when it is not one of that country's."""
    if country == business_region or has_country_code(number):
        return number
    try:
        parsed = phonenumbers.parse(number, country)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def has_country_code(number: str) -> bool:
    return number.lstrip().startswith(("+", "00"))


def doubt(text: str, e164: str, row_country: str | None, business_region: str) -> str | None:
    """Why a number the form accepted must not be stored as read, or None. `text` is
    the number as the file wrote it, `e164` as the form read it."""
    if has_country_code(text):
        return None  # the file said which country: a client abroad keeps their number
    parsed = phonenumbers.parse(e164)
    region = phonenumbers.region_code_for_number(parsed)
    if phonenumbers.number_type(parsed) == PhoneNumberType.PREMIUM_RATE:
        return (
            f"Without a country code this reads as a premium-rate number in "
            f"{business_region}. Add the country code (e.g. +1) if it is from another country."
        )
    # Compared by calling code: Guernsey's, Jersey's and the UK's numbers share +44.
    if row_country and parsed.country_code != phonenumbers.country_code_for_region(row_country):
        return (
            f"Without a country code this reads as a number of {region}, but the row's "
            f"country is {row_country}. Add the country code."
        )
    return None
