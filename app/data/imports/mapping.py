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
from app.data.imports.headings import (
    FULL_NAME,
    HEADING_TO_TARGET,
    IGNORE,
    MOBILE,
    NOT_THE_CLIENTS,
    NOTE,
    heading_key,
    phone_rank,
)
from app.data.imports.phones import in_rows_country
from app.models import FIELD_LABELS
from app.models.text import fold

# What a column can go to, in the order the Map columns step offers them.
TARGETS = {
    **FIELD_LABELS,
    FULL_NAME: "Full name (split into first and last)",
    NOTE: "Add to a note",
    IGNORE: "Ignore",
}
# Fields a client has one of: a second column of the kind goes into the note.
_EXTRA_INTO_NOTE = {"email", "phone", "whatsapp"}


def _known(key: str) -> str | None:
    return HEADING_TO_TARGET.get(key) or _guess(key)


def _guess(key: str) -> str | None:
    """A heading the table does not know, by the words in it ("E-mail 2 - Value",
    "Phone 3 - Value", "Mobile Phone 2")."""
    # An email's or phone's kind or display name beside it (Outlook's "E-mail Type",
    # "E-mail Display Name", German "E-Mail-Typ"): not a value of the client's.
    if key.endswith(("type", "typ", "label", "displayname", "angezeigtername")):
        return None
    if "mail" in key:
        return "email"
    if phone_rank(key) is not None:
        return "phone"
    return None


def match_headers(headers: list[str]) -> list[str]:
    """One target per column: a field (each at most once), the note, or ignored. Of the
    phone columns, the best for reaching the client (phone_rank) is the Phone, and the
    next best the WhatsApp when it is a mobile; the others go into the note."""
    chosen: list[str] = []
    taken: set[str] = set()
    phones: list[tuple[int, int]] = []  # (rank, column) of every phone column
    for column, heading in enumerate(headers):
        key = heading_key(heading)
        target = _known(key) or IGNORE
        if target == "phone":
            rank = phone_rank(key)
            phones.append((NOT_THE_CLIENTS if rank is None else rank, column))
            chosen.append(NOTE)
            continue
        if target in taken and target not in (NOTE, IGNORE):
            target = NOTE if target in _EXTRA_INTO_NOTE else IGNORE
        if target not in (NOTE, IGNORE):
            taken.add(target)
        chosen.append(target)
    ranked = sorted(phones)
    if ranked and ranked[0][0] != NOT_THE_CLIENTS:
        chosen[ranked[0][1]] = "phone"
        if len(ranked) > 1 and ranked[1][0] == MOBILE and "whatsapp" not in taken:
            chosen[ranked[1][1]] = "whatsapp"
    return chosen


def looks_like_headings(cells: list[str]) -> bool:
    """A second row of headings (a workbook whose headings take two rows): most of its
    cells are headings we know, and none looks like a client's email or number."""
    filled = [cell for cell in cells if cell.strip()]
    if len(filled) < 2 or any(
        "@" in cell or sum(ch.isdigit() for ch in cell) > 4 for cell in filled
    ):
        return False
    known = sum(1 for cell in filled if _known(heading_key(cell)))
    return known >= 2 and known * 2 >= len(filled)


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
# Outlook writes no birthday as 0/0/00 (English) or 0.0.00 (German): all zeros.
_NO_DATE = re.compile(r"0{1,4}([./\-]0{1,4}){2}")
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
                return date(int(first), int(second), int(third)).isoformat()
            # The business's order first; the other when only it is a real date
            # (3/14/1985 from an American export in a European business).
            day, month = (int(first), int(second)) if day_first else (int(second), int(first))
            if month > 12 >= day:
                day, month = month, day
            return date(_year(third), month, day).isoformat()
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

    def __init__(self, headers: list[str], mapping: list[str], locale: str, phone_region=""):
        self.headers = headers
        self.mapping = mapping
        self.phone_region = phone_region
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
                if not _NO_DATE.fullmatch(value.strip()):
                    values[target] = date_text(value, self.day_first)
            elif target == "country":
                values[target] = self.country(value)
            elif target == "preferred_language":
                values[target] = self.language(value)
            else:
                values[target] = value
        # A full name fills what the name columns leave empty (Google's "Name" beside
        # its "Given Name" and "Family Name"; a vCard with only FN), but never repeats
        # a name already there ("Smith" beside the family name Smith).
        given = {fold(values[key]) for key in ("first_name", "last_name") if values.get(key)}
        for name_field, part in split.items():
            if fold(part) not in given:
                values.setdefault(name_field, part)
        country = values.get("country", "")
        if len(country) == 2 and country.isupper():  # a code the country column gave
            for field in ("phone", "whatsapp"):
                if field in values:
                    values[field] = in_rows_country(values[field], country, self.phone_region)
        return values, note
