"""The headings an import knows, in the languages our clients' exports are written in,
and how good a phone column is for reaching the client.

A heading is compared by its key: folded (case and accents ignored) with everything
but letters and digits removed, in any script, so "E-Mail-Adresse", "Эл. почта" and
"Téléphone" match however an export spells them.
"""

import re

from app.models.text import fold

FULL_NAME, NOTE, IGNORE = "full_name", "note", ""


def heading_key(heading: str) -> str:
    """ "E-mail 1 - Value" -> "email1value", "Эл. почта" -> "элпочта": what two
    spellings of a heading share."""
    return re.sub(r"[\W_]", "", fold(heading))


_HEADINGS = {
    "first_name": [
        *("First name", "Given name", "Forename", "First", "Firstname"),
        *("Client first name", "Customer first name"),
        *("Prénom", "Vorname", "Nombre", "Nome", "Voornaam", "Имя"),
    ],
    "last_name": [
        *("Last name", "Family name", "Surname", "Last", "Lastname"),
        *("Client last name", "Customer last name"),
        *("Nom", "Nom de famille", "Nachname", "Familienname", "Apellido", "Apellidos"),
        *("Cognome", "Sobrenome", "Apelido", "Achternaam", "Фамилия"),
    ],
    FULL_NAME: [
        *("Name", "Full name", "Client name", "Client", "Customer name", "Customer"),
        *("Contact name", "Contact", "Display name", "Member name", "Member"),
        *("Nom complet", "Vollständiger Name", "Anzeigename", "Nombre completo"),
        *("Nome completo", "Volledige naam", "ФИО", "Полное имя", "Клиент"),
    ],
    "email": [
        *("Email", "E-mail", "Email address", "E-mail address", "E-mail 1 - Value"),
        *("Email 1", "Email 1 - Value", "Primary email", "Mail"),
        *("Client email", "Customer email"),
        *("E-Mail-Adresse", "Courriel", "Adresse e-mail", "Adresse électronique"),
        *("Correo electrónico", "Correo", "Indirizzo email", "Posta elettronica"),
        *("Endereço de e-mail", "E-mailadres", "Эл. почта", "Электронная почта"),
        "Почта",
    ],
    "phone": [
        *("Phone", "Mobile", "Mobile phone", "Mobile number", "Cell", "Cell phone"),
        *("Cellphone", "Telephone", "Tel", "Phone number", "Phone 1", "Phone 1 - Value"),
        *("Primary phone", "Client phone", "Customer phone", "Handy", "Mobiltelefon"),
        *("Telefon", "Téléphone", "Portable", "Téléphone mobile", "Teléfono", "Móvil"),
        *("Celular", "Telefono", "Cellulare", "Telefone", "Telemóvel", "Telefoon"),
        *("Mobiel", "Телефон", "Мобильный", "Мобильный телефон"),
    ],
    "whatsapp": ["WhatsApp", "WhatsApp number", "WhatsApp phone"],
    "birth_date": [
        *("Birth date", "Birthday", "Birthdate", "Date of birth", "DOB", "D.O.B."),
        *("Born", "Geburtsdatum", "Geburtstag", "Date de naissance", "Anniversaire"),
        *("Fecha de nacimiento", "Cumpleaños", "Data di nascita", "Compleanno"),
        *("Data de nascimento", "Aniversário", "Geboortedatum", "Verjaardag"),
        *("Дата рождения", "День рождения"),
    ],
    "preferred_language": [
        *("Preferred language", "Language", "Lang", "Sprache", "Langue", "Idioma"),
        *("Lingua", "Taal", "Язык"),
    ],
    "address": [
        *("Address", "Street", "Street address", "Address line 1", "Address 1"),
        *("Address 1 - Street", "Home street", "Home address"),
        *("Adresse", "Straße", "Straße privat", "Rue", "Dirección", "Calle"),
        *("Indirizzo", "Via", "Endereço", "Morada", "Rua", "Adres", "Straat", "Адрес"),
        "Улица",
    ],
    "city": [
        *("City", "Town", "Address 1 - City", "Home city", "Locality"),
        *("Ville", "Ort", "Ort privat", "Stadt", "Ciudad", "Città", "Cidade"),
        *("Plaats", "Woonplaats", "Город"),
    ],
    "state": [
        *("State", "Region", "County", "Province", "Address 1 - Region", "Home state"),
        *("State/Province", "Bundesland", "Region privat", "Bundesland/Kanton privat"),
        *("Région", "Provincia", "Estado", "Provincie", "Регион", "Область"),
    ],
    "postal_code": [
        *("Postal code", "Postcode", "Post code", "Zip", "Zip code", "ZIP/Postal code"),
        *("Address 1 - Postal Code", "Home postal code", "PLZ", "Postleitzahl"),
        *("Postleitzahl privat", "Code postal", "Código postal", "CAP", "CEP"),
        *("Индекс", "Почтовый индекс"),
    ],
    "country": [
        *("Country", "Country/Region", "Address 1 - Country", "Home country/region"),
        *("Home country", "Pays", "Land", "Land privat", "Land/Region privat"),
        *("País", "Paese", "Nazione", "Страна"),
    ],
    NOTE: [
        *("Note", "Notes", "Comment", "Comments", "Remarks", "Organisation"),
        *("Organization", "Organization 1 - Name", "Organization name", "Company"),
        *("E-mail 2 Address", "E-mail 3 Address", "Client notes"),
        *("Notizen", "Firma", "Remarques", "Société", "Entreprise", "Notas", "Empresa"),
        *("Azienda", "Notities", "Opmerkingen", "Bedrijf", "Примечание"),
        *("Заметки", "Комментарий", "Организация", "Компания", "Отчество"),
    ],
}
HEADING_TO_TARGET = {
    heading_key(heading): target for target, headings in _HEADINGS.items() for heading in headings
}


# --- phone columns, best first ---------------------------------------------------------

MOBILE, PLAIN, HOME, WORK, OTHER = range(5)
NOT_THE_CLIENTS = 9  # an assistant's, a fax, a pager: never the client's Phone

# Words that make a heading a phone's (besides those in the table above).
PHONE_WORDS = tuple(
    heading_key(word)
    for word in ("phone", "mobil", "cell", "tel", "handy", "celular", "movil", "телефон")
)
_NEVER_WORDS = (
    *("assistant", "assistent", "fax", "pager", "telex", "tty", "isdn", "callback"),
    *("rückmeldung", "hörbehinderte", "company main", "telefon firma", "radio"),
)
_RANK_WORDS = (
    (MOBILE, ("mobile", "mobil", "cell", "handy", "portable", "movil", "celular")),
    (MOBILE, ("cellulare", "telemovel", "mobiel", "мобильн", "сотов")),
    (HOME, ("home", "privat", "domicile", "casa", "thuis", "domestic", "домашн")),
    (WORK, ("business", "work", "geschäftlich", "bureau", "travail", "trabajo")),
    (WORK, ("lavoro", "trabalho", "werk", "рабоч", "office")),
    (OTHER, ("other", "weitere", "autre", "otro", "altro", "outro", "overig", "car", "auto")),
)
_NEVER_KEYS = tuple(heading_key(word) for word in _NEVER_WORDS)
_RANK_KEYS = tuple(
    (rank, tuple(heading_key(word) for word in words)) for rank, words in _RANK_WORDS
)


def phone_rank(key: str) -> int | None:
    """How good a phone column (by its heading's key) is for reaching the client: the
    mobile they carry first, then a plain or primary number, home, work, any other;
    NOT_THE_CLIENTS for someone else's number or a fax. None: not a phone heading."""
    if HEADING_TO_TARGET.get(key, "phone") != "phone":
        return None
    is_phone = key in HEADING_TO_TARGET or any(word in key for word in PHONE_WORDS)
    if not is_phone:
        return None
    if any(word in key for word in _NEVER_KEYS):
        return NOT_THE_CLIENTS
    for rank, words in _RANK_KEYS:
        if any(word in key for word in words):
            return rank
    return PLAIN
