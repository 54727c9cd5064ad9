"""Which column of the file goes to which field of the client, and a row's cells turned
into the text the client form takes.

Headings are matched by their folded words (case, accents, spaces and punctuation
ignored), so the exports of Google Contacts, Outlook, phones and booking systems map
themselves; staff can change every choice. Nothing here decides whether a value is
valid: the client form does (see rows.py). This only reads the spreadsheet's way of
writing a date, a country or a language into the form's way.
"""

import re
from datetime import date, datetime

from app.core.templating import country_names, language_names
from app.models import FIELD_LABELS
from app.models.text import fold

FULL_NAME, NOTE, IGNORE = "full_name", "note", ""
# What a column can go to, in the order the Map columns step offers them.
TARGETS = {
    **FIELD_LABELS,
    FULL_NAME: "Full name (split into first and last)",
    NOTE: "Add to a note",
    IGNORE: "Ignore",
}
# Fields a client has one of: a second column of the kind goes into the note.
_EXTRA_INTO_NOTE = {"email", "phone", "whatsapp"}


def heading_key(heading: str) -> str:
    """ "E-mail 1 - Value" -> "email1value": what two spellings of a heading share."""
    return re.sub(r"[^a-z0-9]", "", fold(heading))


_HEADINGS = {
    "first_name": [
        "First name",
        "Given name",
        "Forename",
        "First",
        "Firstname",
        "Prénom",
        "Vorname",
        "Nombre",
        "Client first name",
        "Customer first name",
    ],
    "last_name": [
        "Last name",
        "Family name",
        "Surname",
        "Last",
        "Lastname",
        "Nom",
        "Nachname",
        "Apellido",
        "Apellidos",
        "Client last name",
        "Customer last name",
    ],
    FULL_NAME: [
        "Name",
        "Full name",
        "Client name",
        "Client",
        "Customer name",
        "Customer",
        "Contact name",
        "Contact",
        "Display name",
        "Member name",
        "Member",
    ],
    "email": [
        "Email",
        "E-mail",
        "Email address",
        "E-mail address",
        "E-mail 1 - Value",
        "Email 1",
        "Email 1 - Value",
        "Primary email",
        "Mail",
        "Client email",
        "Customer email",
    ],
    "phone": [
        "Phone",
        "Mobile",
        "Mobile phone",
        "Mobile number",
        "Cell",
        "Cell phone",
        "Cellphone",
        "Telephone",
        "Tel",
        "Phone number",
        "Phone 1",
        "Phone 1 - Value",
        "Primary phone",
        "Client phone",
        "Customer phone",
        "Handy",
        "Téléphone",
    ],
    "whatsapp": ["WhatsApp", "WhatsApp number", "WhatsApp phone"],
    "birth_date": [
        "Birth date",
        "Birthday",
        "Birthdate",
        "Date of birth",
        "DOB",
        "D.O.B.",
        "Born",
        "Geburtsdatum",
    ],
    "preferred_language": ["Preferred language", "Language", "Lang"],
    "address": [
        "Address",
        "Street",
        "Street address",
        "Address line 1",
        "Address 1",
        "Address 1 - Street",
        "Home street",
        "Home address",
        "Adresse",
    ],
    "city": ["City", "Town", "Address 1 - City", "Home city", "Locality", "Ville"],
    "state": [
        "State",
        "Region",
        "County",
        "Province",
        "Address 1 - Region",
        "Home state",
        "State/Province",
    ],
    "postal_code": [
        "Postal code",
        "Postcode",
        "Post code",
        "Zip",
        "Zip code",
        "ZIP/Postal code",
        "Address 1 - Postal Code",
        "Home postal code",
        "PLZ",
    ],
    "country": [
        "Country",
        "Country/Region",
        "Address 1 - Country",
        "Home country/region",
        "Home country",
        "Pays",
        "Land",
    ],
    NOTE: [
        "Note",
        "Notes",
        "Comment",
        "Comments",
        "Remarks",
        "Organisation",
        "Organization",
        "Organization 1 - Name",
        "Organization name",
        "Company",
        "Business phone",
        "Home phone",
        "Other phone",
        "E-mail 2 Address",
        "E-mail 3 Address",
        "Client notes",
    ],
}
_HEADING_TO_TARGET = {
    heading_key(heading): target for target, headings in _HEADINGS.items() for heading in headings
}


def _guess(key: str) -> str | None:
    """A heading the table does not know, by the words in it ("E-mail 2 - Value",
    "Phone 3 - Value", "Mobile Phone 2")."""
    if key.endswith(("type", "label")):
        return None
    if "mail" in key:
        return "email"
    if any(word in key for word in ("phone", "mobile", "cell", "tel")):
        return "phone"
    return None


def match_headers(headers: list[str]) -> list[str]:
    """One target per column: a field (each at most once), the note, or ignored."""
    chosen: list[str] = []
    taken: set[str] = set()
    for heading in headers:
        key = heading_key(heading)
        target = _HEADING_TO_TARGET.get(key) or _guess(key) or IGNORE
        if target in taken and target not in (NOTE, IGNORE):
            target = NOTE if target in _EXTRA_INTO_NOTE else IGNORE
        if target not in (NOTE, IGNORE):
            taken.add(target)
        chosen.append(target)
    return chosen


# --- a row's cells as the form's text ------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def _unquote(value: str) -> str:
    """Undo the quote an export puts before a would-be formula ("'=1+1" -> "=1+1")."""
    if value.startswith("'") and value[1:2] and value[1:2] in _FORMULA_STARTS:
        return value[1:]
    return value


def split_full_name(value: str) -> tuple[str, str]:
    """ "Mary Ann Smith" -> ("Mary Ann", "Smith"); "Smith, Mary" -> ("Mary", "Smith")."""
    if "," in value:
        last, _, first = value.partition(",")
        if first.strip():
            return " ".join(first.split()), " ".join(last.split())
    words = value.split()
    if len(words) < 2:
        return value.strip(), ""
    return " ".join(words[:-1]), words[-1]


_MONTHS = {
    fold(name): number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"(\d{1,4})[./\-\s](\d{1,2})[./\-\s](\d{1,4})")
_WORDY_DATE = re.compile(r"(\d{1,2})?\s*([a-z]+)\.?\s*(\d{1,2})?,?\s*(\d{4})")


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:  # "90" is 1990, "05" is 2005 (birth dates are in the past)
        year += 2000 if year <= date.today().year % 100 else 1900
    return year


def date_text(value: str, day_first: bool) -> str:
    """A date as spreadsheets and phones write it, as the form's ISO date; the text
    unchanged when it is not a date (the form then says so)."""
    text = fold(value).removesuffix("t00:00:00").removesuffix(" 00:00:00")
    found = _NUMERIC_DATE.fullmatch(text)
    try:
        if found:
            first, second, third = found.groups()
            if len(first) == 4:  # 1990-04-12, 1990/4/12
                year, month, day = int(first), int(second), int(third)
            elif day_first:
                day, month, year = int(first), int(second), _year(third)
            else:
                month, day, year = int(first), int(second), _year(third)
            return date(year, month, day).isoformat()
        if re.fullmatch(r"\d{8}", text):  # 19900412 (vCard 3.0 without dashes)
            return datetime.strptime(text, "%Y%m%d").date().isoformat()
        found = _WORDY_DATE.fullmatch(text)
        if found and found.group(2) in _MONTHS and bool(found.group(1)) != bool(found.group(3)):
            day = int(found.group(1) or found.group(3))
            return date(int(found.group(4)), _MONTHS[found.group(2)], day).isoformat()
    except ValueError:
        pass  # 31/02/1990: the form says the date is not real
    return value


class CodeFinder:
    """A country or language as a file may name it ("United Kingdom", "uk", "GB",
    "French", "fr") -> the code the form's list holds; the text unchanged otherwise."""

    def __init__(self, names: dict[str, str], aliases: dict[str, str]):
        self._codes = {fold(code): code for code in names}
        self._codes |= {fold(name): code for code, name in names.items()}
        self._codes |= {fold(alias): code for alias, code in aliases.items() if code in names}

    def __call__(self, value: str) -> str:
        return self._codes.get(fold(value), value)


_COUNTRY_ALIASES = {
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States of America": "US",
    "America": "US",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Deutschland": "DE",
    "España": "ES",
    "Italia": "IT",
    "Schweiz": "CH",
    "Suisse": "CH",
    "Österreich": "AT",
    "Éire": "IE",
}
_LANGUAGE_ALIASES = {"English (UK)": "en", "English (US)": "en", "Español": "es", "Français": "fr"}


class RowReader:
    """Turns the cells of one row into the client form's text for the mapped fields,
    and the lines of the note (heading: value) for the columns that go there."""

    def __init__(self, headers: list[str], mapping: list[str], locale: str):
        self.headers = headers
        self.mapping = mapping
        self.day_first = not locale.endswith(("_US", "_PH", "_CA"))
        self.country = CodeFinder(country_names(locale), _COUNTRY_ALIASES)
        self.language = CodeFinder(language_names(locale), _LANGUAGE_ALIASES)
        self.columns = [(index, target) for index, target in enumerate(mapping) if target != IGNORE]

    def read(self, cells: list[str]) -> tuple[dict[str, str], list[str]]:
        values: dict[str, str] = {}
        note: list[str] = []
        split: dict[str, str] = {}
        for index, target in self.columns:
            value = _unquote(cells[index]) if index < len(cells) else ""
            if not value:
                continue
            if target == NOTE:
                note.append(f"{self.headers[index]}: {value}")
            elif target == FULL_NAME:
                first, last = split_full_name(value)
                split.setdefault("first_name", first)
                if last:
                    split.setdefault("last_name", last)
            elif target == "birth_date":
                values[target] = date_text(value, self.day_first)
            elif target == "country":
                values[target] = self.country(value)
            elif target == "preferred_language":
                values[target] = self.language(value)
            else:
                values[target] = value
        # A full name fills what the name columns leave empty (Google's "Name" beside
        # its "Given Name" and "Family Name"; a vCard with only FN).
        for name_field, part in split.items():
            values.setdefault(name_field, part)
        return values, note
