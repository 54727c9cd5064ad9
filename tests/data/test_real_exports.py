"""Files as real software exports them (tests/files/exports/, written in the shape of
Outlook's, Android's, Windows tools' and salon and CRM software's exports): every
contact that can come in does, and what cannot is told per row."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.data.imports.mapping import RowReader, date_text, match_headers
from app.data.imports.reading import detect_format, read_table
from app.models import Client, Note
from tests.helpers.imports import (
    chosen_columns,
    clients_by_first_name,
    map_columns,
    preview_rows,
    previewed,
    run_import,
    upload,
    uploaded,
)

EXPORTS = Path(__file__).parent.parent / "files" / "exports"


def _headers(name: str, encoding="utf-8") -> list[str]:
    first_line = (EXPORTS / name).read_bytes().decode(encoding).splitlines()[0]
    return [cell.strip('"') for cell in first_line.split('","')]


def _notes_of(app, client_id: int) -> str:
    with app.app_context():
        return "\n".join(db.session.scalars(select(Note.body).where(Note.client_id == client_id)))


def _imported(app, owner, name: str) -> dict[str, Client]:
    """The file uploaded, its columns as the Map step chose them, imported."""
    import_id = uploaded(owner, (EXPORTS / name).read_bytes(), name)
    chosen = chosen_columns(owner, import_id)
    assert map_columns(owner, import_id, list(chosen.values()), **_reading(name)).status_code == 303
    run_import(app, owner, import_id, match_key="none")
    return clients_by_first_name(app)


def _reading(name: str) -> dict:
    if name.endswith(".vcf"):
        return {}
    if name in ("salon-fr.csv", "outlook-de.csv"):
        return {"encoding": "cp1252", "delimiter": ";" if name == "salon-fr.csv" else ","}
    return {"delimiter": ";" if "-ru-" in name else ","}


# --- Outlook ---------------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["0/0/00", "0.0.00", "00.00.0000", "0/0/0000"])
def test_outlooks_empty_birthday_is_no_birthday(app_ctx, empty):
    reader = RowReader(["First name", "Birthday"], ["first_name", "birth_date"], "en_GB")
    assert reader.read(["Ada", empty]) == ({"first_name": "Ada"}, [])


def test_a_date_read_in_the_other_order_when_only_that_order_is_a_date():
    assert date_text("3/14/1985", day_first=True) == "1985-03-14"  # an American export
    assert date_text("14/3/1985", day_first=False) == "1985-03-14"
    assert date_text("3/4/1985", day_first=True) == "1985-04-03"  # ambiguous: ours


def test_outlooks_phone_columns_give_phone_the_mobile_never_the_assistants():
    english_headers = _headers("outlook-en.csv")
    english = dict(zip(english_headers, match_headers(english_headers), strict=True))
    assert english["Mobile Phone"] == "phone"
    assert english["Assistant's Phone"] == "note"
    assert english["Home Phone"] == english["Business Phone"] == "note"
    assert english["Primary Phone"] == "note"  # not a mobile: not the WhatsApp
    assert "whatsapp" not in english.values()
    assert english["Business Fax"] == english["Pager"] == ""
    assert english["E-mail Address"] == "email" and english["E-mail Display Name"] == ""
    german_headers = _headers("outlook-de.csv", "cp1252")
    german = dict(zip(german_headers, match_headers(german_headers), strict=True))
    assert german["Mobiltelefon"] == "phone" and german["Mobiltelefon 2"] == "whatsapp"
    assert german["Telefon Assistent"] == "note" and german["Telefon privat"] == "note"
    assert (german["Vorname"], german["Nachname"]) == ("first_name", "last_name")
    assert (german["E-Mail-Adresse"], german["Geburtstag"]) == ("email", "birth_date")
    assert (german["Straße privat"], german["Ort privat"]) == ("address", "city")
    assert german["Postleitzahl privat"] == "postal_code"
    assert german["Land/Region privat"] == "country"
    assert german["Notizen"] == german["Firma"] == "note"


def test_an_english_outlook_export_imports_every_contact_with_its_mobile(app, owner, job_worker):
    clients = _imported(app, owner, "outlook-en.csv")
    olivia, marcus, priya = clients["Olivia"], clients["Marcus"], clients["Priya"]
    assert (olivia.phone, olivia.birth_date, olivia.city) == ("+447911123461", None, "Leeds")
    assert (marcus.phone, marcus.birth_date) == ("+447911123462", date(1985, 3, 14))
    assert "Assistant's Phone: 020 7946 0100" in _notes_of(app, marcus.id)
    # No mobile: the home number stays in the note, nothing is lost.
    assert priya.phone is None and "Home Phone: 0161 496 0555" in _notes_of(app, priya.id)


def test_a_german_outlook_export_imports_with_its_headings_and_accents(app, owner, job_worker):
    clients = _imported(app, owner, "outlook-de.csv")
    juergen, anna = clients["Jürgen"], clients["Anna"]
    assert (juergen.last_name, juergen.phone, juergen.birth_date) == (
        "Weiß",
        "+4915123456789",
        None,
    )
    assert (juergen.address, juergen.city, juergen.postal_code, juergen.country) == (
        "Hauptstraße 5",
        "München",
        "80331",
        "DE",
    )
    assert "Notizen: Allergie gegen Nüsse" in _notes_of(app, juergen.id)
    assert (anna.phone, anna.birth_date) == ("+491701234567", date(1979, 12, 24))
    assert "Telefon Assistent: +49 30 9876543" in _notes_of(app, anna.id)


# --- vCards ------------------------------------------------------------------------------


def test_one_damaged_card_is_listed_with_why_and_the_others_import(app, owner, job_worker):
    content = (EXPORTS / "android-damaged-card.vcf").read_bytes()
    import_id = uploaded(owner, content, "contacts.vcf")
    chosen = chosen_columns(owner, import_id)
    map_columns(owner, import_id, list(chosen.values()))
    rows = preview_rows(previewed(app, owner, import_id, "?show=all").text)
    assert rows[1][0] == rows[3][0] == "create"
    assert rows[2][0] == "error"
    assert "Contact 2 (line 8 of the file) cannot be read" in rows[2][1]
    job = run_import(app, owner, import_id, match_key="none")
    assert job.result["created"] == 2
    clients = clients_by_first_name(app)
    assert set(clients) == {"Amara", "Jörg"}
    assert clients["Jörg"].last_name == "Müller"


def test_cr_cr_lf_line_endings_keep_folded_lines_whole(app, owner, job_worker):
    content = (EXPORTS / "windows-cr-cr-lf.vcf").read_bytes()
    assert b"\r\r\n" in content
    with app.app_context():
        table = read_table(content, detect_format(content))
    assert table.row_count == 2
    clients = _imported(app, owner, "windows-cr-cr-lf.vcf")
    rosa = clients["Rosa"]
    assert (rosa.address, rosa.city, rosa.postal_code, rosa.country) == (
        "Calle Mayor 12",
        "Madrid",
        "28013",
        "ES",
    )
    assert rosa.phone == "+34612345678" and clients["Erik"].phone == "+46701234567"
    assert "likes the window treatment room" in _notes_of(app, rosa.id)


def test_a_line_before_the_first_card_is_still_a_vcard(app, owner, job_worker):
    content = (EXPORTS / "with-preamble.vcf").read_bytes()
    assert not content.startswith(b"BEGIN:VCARD")
    assert detect_format(content) == "vcf"
    clients = _imported(app, owner, "with-preamble.vcf")
    assert set(clients) == {"Smith", "Ivana"}
    # A family name alone is the client's one name, never in both fields.
    assert (clients["Smith"].last_name, clients["Smith"].phone) == (None, "+447911123463")
    assert clients["Ivana"].last_name == "Novak"


def _upload_as(browser, content: bytes, file_format: str):
    fields = {"csrf_token": browser.token, "file_format": file_format}
    return browser.client.post(
        "/clients/import", data=fields | {"file": (io.BytesIO(content), "contacts.txt")}
    )


def test_the_kind_of_file_chosen_on_upload_wins_over_the_guess(app, owner):
    content = b"Exported contacts\nBEGIN:VCARD\nVERSION:3.0\nFN:Ada\nN:;Ada;;;\nEND:VCARD\n"
    answer = owner.client.post(
        "/clients/import",
        data={
            "csrf_token": owner.token,
            "file_format": "csv",
            "file": (io.BytesIO(content), "c.txt"),
        },
    )
    assert answer.status_code == 303
    chosen = chosen_columns(owner, int(answer.headers["Location"].split("/")[3]))
    assert list(chosen) == ["Exported contacts"]  # read as the CSV staff said it is
    refused = owner.client.post(
        "/clients/import",
        data={
            "csrf_token": owner.token,
            "file_format": "pdf",
            "file": (io.BytesIO(content), "c.txt"),
        },
    )
    assert refused.status_code == 422 and "Not a valid choice" in refused.text
    page = upload(owner, content, "c.vcf")  # guessed: a vCard despite its first line
    assert page.status_code == 303


# --- other languages ---------------------------------------------------------------------


def test_a_french_salons_list_maps_itself_and_reads_french_numbers(app, owner, job_worker):
    import_id = uploaded(owner, (EXPORTS / "salon-fr.csv").read_bytes(), "clientes.csv")
    chosen = chosen_columns(owner, import_id)
    assert chosen == {
        "Prénom": "first_name",
        "Nom": "last_name",
        "Téléphone": "phone",
        "Courriel": "email",
        "Date de naissance": "birth_date",
        "Adresse": "address",
        "Ville": "city",
        "Code postal": "postal_code",
        "Pays": "country",
        "Remarques": "note",
    }
    clients = _imported(app, owner, "salon-fr.csv")
    elodie = clients["Élodie"]
    # The row's country decides how a number without its country code is read.
    assert (elodie.phone, elodie.birth_date, elodie.country) == (
        "+33612345678",
        date(1988, 2, 14),
        "FR",
    )
    assert clients["Benoît"].phone == "+33798765432"


def test_a_second_row_of_headings_is_read_as_headings_not_a_client(app, owner, job_worker):
    content = (EXPORTS / "crm-ru-two-heading-rows.csv").read_bytes()
    with app.app_context():
        table = read_table(content, "csv", delimiter=";")
    assert table.headers == [
        "Имя",
        "Фамилия",
        "Дата рождения",
        "Телефон",
        "Эл. почта",
        "Примечание",
    ]
    assert [cells[0] for _number, cells in table.rows] == ["Анна", "Дмитрий"]
    assert match_headers(table.headers) == [
        "first_name",
        "last_name",
        "birth_date",
        "phone",
        "email",
        "note",
    ]
    clients = _imported(app, owner, "crm-ru-two-heading-rows.csv")
    anna = clients["Анна"]
    assert (anna.last_name, anna.phone, anna.email, anna.birth_date) == (
        "Иванова",
        "+79161234567",
        "anna.ivanova@example.ru",
        date(1990, 3, 12),
    )
    assert set(clients) == {"Анна", "Дмитрий"}


@pytest.mark.parametrize(
    "heading, target",
    [
        ("Nombre", "first_name"),
        ("Apellidos", "last_name"),
        ("Correo electrónico", "email"),
        ("Móvil", "phone"),
        ("Fecha de nacimiento", "birth_date"),
        ("Cognome", "last_name"),
        ("Cellulare", "phone"),
        ("Data di nascita", "birth_date"),
        ("Sobrenome", "last_name"),
        ("Telemóvel", "phone"),
        ("Data de nascimento", "birth_date"),
        ("Voornaam", "first_name"),
        ("Achternaam", "last_name"),
        ("E-mailadres", "email"),
        ("Geboortedatum", "birth_date"),
        ("ФАМИЛИЯ", "last_name"),
        ("эл. почта", "email"),
        ("PRÉNOM", "first_name"),
        ("prenom", "first_name"),
    ],
)
def test_headings_in_other_languages_map_with_accents_and_case_ignored(heading, target):
    assert match_headers([heading]) == [target]


# --- a wrong value does not lose the contact ----------------------------------------------

WRONG_VALUES = (
    b"First name,Last name,Email,Phone,Birthday,Country\n"
    b"Kim,Keep,kim@example.com,+1-555-0123,12/05/1990,GB\n"
    b"Lou,Late,not-an-email,07911 123464,31/02/1990,Atlantis\n"
    b",Nameless,nameless@example.com,,,\n"
)


def _checked_choice(html: str) -> str:
    (value,) = re.findall(r'<input[^>]* checked [^>]*name="bad_values"[^>]*value="(\w+)"', html)
    return value


def test_a_wrong_value_goes_into_a_note_and_the_contact_comes_in(app, owner, job_worker):
    import_id = uploaded(owner, WRONG_VALUES)
    page = owner.get(f"/clients/import/{import_id}/columns")
    assert _checked_choice(page.text) == "note"  # the default: keep the contact
    map_columns(
        owner, import_id, ["first_name", "last_name", "email", "phone", "birth_date", "country"]
    )
    rows = preview_rows(previewed(app, owner, import_id, "?show=all").text)
    assert rows[2] == (
        "create",
        "Create, without Phone “+1-555-0123” (This is not a valid phone number. Add the "
        "country code (e.g. +1) for a number from another country.): noted on the client",
    )
    assert rows[3][0] == "create" and "Email “not-an-email”" in rows[3][1]
    assert "Birth date “31/02/1990”" in rows[3][1] and "Country “Atlantis”" in rows[3][1]
    assert rows[4][0] == "error"  # no name: nothing to keep
    job = run_import(app, owner, import_id, match_key="none")
    assert job.result["created"] == 2 and job.result["failed"] == 1
    clients = clients_by_first_name(app)
    kim, lou = clients["Kim"], clients["Lou"]
    assert (kim.phone, kim.email, kim.birth_date) == (None, "kim@example.com", date(1990, 5, 12))
    assert "From the import: phone “+1-555-0123” was not kept" in _notes_of(app, kim.id)
    assert (lou.email, lou.phone, lou.birth_date, lou.country) == (
        None,
        "+447911123464",
        None,
        None,
    )
    lou_note = _notes_of(app, lou.id)
    assert "email “not-an-email” was not kept" in lou_note
    assert "birth date “31/02/1990” was not kept" in lou_note


def test_skip_the_row_refuses_a_row_with_a_wrong_value(app, owner, job_worker):
    import_id = uploaded(owner, WRONG_VALUES)
    columns = ["first_name", "last_name", "email", "phone", "birth_date", "country"]
    map_columns(owner, import_id, columns, bad_values="skip")
    rows = preview_rows(previewed(app, owner, import_id, "?show=all").text)
    assert [rows[number][0] for number in (2, 3, 4)] == ["error", "error", "error"]
    assert "Phone: This is not a valid phone number." in rows[2][1]
    page = owner.get(f"/clients/import/{import_id}/columns")
    assert _checked_choice(page.text) == "skip"
    refused = map_columns(owner, import_id, columns, bad_values="maybe")
    assert refused.status_code == 422 and "Not a valid choice" in refused.text


# --- numbers from another country -----------------------------------------------------------

ABROAD = (
    b"First name,Phone,Country\n"
    b"Vera,916 123-45-67,\n"  # a Russian mobile without +7: premium-rate if read as British
    b"Walt,(757) 555-0101,United States\n"  # read in the row's country
    b"Xenia,+7 916 123-45-67,United Kingdom\n"  # its own code: kept as written
    b"Yuri,020 7946 0958,France\n"  # not a French number: read as ours, but not his country
)


def test_numbers_are_read_in_the_rows_country_and_never_stored_as_premium_rate(
    app, owner, job_worker
):
    import_id = uploaded(owner, ABROAD)
    map_columns(owner, import_id, ["first_name", "phone", "country"])
    rows = preview_rows(previewed(app, owner, import_id, "?show=all").text)
    assert "premium-rate" in rows[2][1] and rows[2][0] == "create"
    assert rows[3][0] == "create" and "without" not in rows[3][1]
    run_import(app, owner, import_id, match_key="none")
    clients = clients_by_first_name(app)
    assert clients["Vera"].phone is None
    assert "phone “916 123-45-67” was not kept" in _notes_of(app, clients["Vera"].id)
    assert (clients["Walt"].phone, clients["Walt"].country) == ("+17575550101", "US")
    assert (clients["Xenia"].phone, clients["Xenia"].country) == ("+79161234567", "GB")
    assert clients["Yuri"].phone is None  # read as ours it would be a British number
    assert "reads as a number of GB, but the row's country is FR" in _notes_of(
        app, clients["Yuri"].id
    )
