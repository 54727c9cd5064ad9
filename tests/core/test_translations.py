"""Every catalog of client-facing text is complete and its committed .mo is current."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parent.parent.parent / "app"
CATALOGS = sorted(APP.glob("**/translations/*/LC_MESSAGES/messages.po"))


def _name(path: Path) -> str:
    return str(path.relative_to(APP))


def test_the_mail_catalog_is_among_them():
    assert any(_name(path).startswith("mail/translations/es/") for path in CATALOGS)


@pytest.mark.parametrize("po_path", CATALOGS, ids=_name)
def test_every_message_is_translated(po_path):
    with po_path.open("rb") as file:
        catalog = read_po(file)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert untranslated == []


@pytest.mark.parametrize("po_path", CATALOGS, ids=_name)
def test_the_committed_mo_is_a_fresh_compile_of_the_po(po_path):
    with po_path.open("rb") as file:
        catalog = read_po(file, locale=po_path.parent.parent.name)
    fresh = BytesIO()
    write_mo(fresh, catalog)
    committed = po_path.with_suffix(".mo")
    assert committed.exists(), f"{_name(committed)} is missing: run pybabel compile"
    assert committed.read_bytes() == fresh.getvalue(), "the .mo is stale: run pybabel compile"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_name)
def test_placeholders_survive_translation(po_path):
    """A translation that drops or renames %(name)s would fail when the email renders."""
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    with po_path.open("rb") as file:
        catalog = read_po(file)
    broken = [
        message.id
        for message in catalog
        if message.id
        and isinstance(message.id, str)
        and set(placeholder.findall(message.id)) != set(placeholder.findall(message.string or ""))
    ]
    assert broken == []


def test_one_english_text_reads_the_same_in_every_catalog():
    """The catalogs are merged into one: a text two areas both use gets one translation
    (whichever loads last), so two different ones would make a page read differently
    from the email beside it."""
    translations: dict[tuple[str, str], dict[str, str]] = {}
    for path in CATALOGS:
        language = path.parent.parent.name
        with path.open("rb") as file:
            for message in read_po(file):
                if message.id:
                    key = (language, str(message.id))
                    translations.setdefault(key, {})[_name(path)] = str(message.string)
    differing = {key: found for key, found in translations.items() if len(set(found.values())) > 1}
    assert differing == {}
