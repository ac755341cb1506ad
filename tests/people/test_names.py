"""Names: DIN 91379 letters, ICAO 9303 transliteration, Kölner Phonetik."""

from __future__ import annotations

import unicodedata

import pytest

from hamburg_service.core.errors import InvalidInput
from hamburg_service.people.names import (
    icao_transliterate,
    koelner_phonetik,
    latin_spelling,
    name_clean,
    name_keys,
    original_clean,
)


@pytest.mark.parametrize(
    "name",
    [
        "Çağlar Ğüneş-Ørsted",
        "Nguyễn Thị Minh Khai",
        "Ólafsdóttir",
        "Þórðarson",
        "Ŀlorenç",  # Catalan middle dot letter
        "ðe Ḃrún",
        "O'Brien",
        "Müller-Lüdenscheidt",
        "L̥̄ukas",  # a letter sequence without a code point of its own
        "d’Artagnan",
    ],
)
def test_din_91379_names_are_accepted(name):
    assert name_clean(name, field="family_name") == unicodedata.normalize("NFC", name)


def test_names_are_stored_in_nfc_with_single_spaces():
    decomposed = unicodedata.normalize("NFD", "Nguyễn   Thị")
    assert decomposed != "Nguyễn Thị"
    assert name_clean(decomposed, field="given_names") == "Nguyễn Thị"


@pytest.mark.parametrize(
    ("name", "character"),
    [
        ("Иванов", "И"),  # Cyrillic: goes into the original-script field
        ("Müller2", "2"),
        ("Anna\u200bMaria", None),  # zero-width space: a formatting character
        ("Anna\x00", None),
        ("Smith & Co", "&"),
        ("李", "李"),
        ("Meier ☺", "☺"),
    ],
)
def test_other_characters_are_refused_naming_the_character(name, character):
    with pytest.raises(InvalidInput) as refused:
        name_clean(name, field="family_name")
    assert refused.value.code == "name-character"
    assert refused.value.errors[0]["field"] == "family_name"
    if character is not None:
        assert character in refused.value.detail


def test_a_name_without_a_letter_or_an_empty_one_is_refused():
    with pytest.raises(InvalidInput):
        name_clean("-.-", field="family_name")
    with pytest.raises(InvalidInput) as missing:
        name_clean("  ", field="family_name")
    assert missing.value.code == "name-missing"
    assert name_clean("", field="birth_name", required=False) == ""


def test_the_message_is_translated(settings):
    from django.utils import translation

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        name_clean("Ivan0v", field="family_name")
    assert "digits" in refused.value.detail


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Çağlar Ğüneş-Ørsted", "CAGLAR GUENES OERSTED"),
        ("Nguyễn Thị Minh Khai", "NGUYEN THI MINH KHAI"),
        ("Ólafsdóttir", "OLAFSDOTTIR"),
        ("Müller", "MUELLER"),
        ("Weiß", "WEISS"),
        ("Ærø Åsa", "AEROE AASA"),
        ("Þór", "THOR"),
        ("Łukasz Wiśniewski", "LUKASZ WISNIEWSKI"),
        ("O'Brien", "OBRIEN"),
        ("Александр Иванов", "ALEKSANDR IVANOV"),
        ("Юлия Щербакова", "IULIIA SHCHERBAKOVA"),
        ("Олександр Шевченко", "OLEKSANDR SHEVCHENKO"),
        ("Γιώργος Παπαδόπουλος", "GIORGOS PAPADOPOULOS"),
        ("محمد", "MHMD"),
    ],
)
def test_icao_9303_transliteration(name, key):
    assert icao_transliterate(name) == key


def test_a_name_in_another_script_gets_a_latin_spelling_and_is_kept_for_search():
    assert latin_spelling("Александр Иванов") == "Aleksandr Ivanov"
    assert original_clean("Александр Иванов", field="original_given_names") == ("Александр Иванов")
    with pytest.raises(InvalidInput):
        original_clean("Иван 3", field="original_given_names")


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["Meier", "Mayer", "Maier", "Meyer"], "67"),
        (["Schmidt", "Schmitt", "Schmid"], "862"),
        (["Müller", "Mueller", "Miller"], "657"),
        (["Iwanow", "Ivanov", "Иванов"], "0363"),
    ],
)
def test_koelner_phonetik_folds_spellings_together(names, code):
    assert {koelner_phonetik(n) for n in names} == {code}


def test_koelner_phonetik_known_values():
    assert koelner_phonetik("Müller-Lüdenscheidt") == "657 52682"
    assert koelner_phonetik("Wikipedia") == "3412"
    assert koelner_phonetik("Anna Maria") == "06 67"


def test_name_keys():
    keys = name_keys("Ğüneş-Ørsted", "Çağlar")
    assert keys.family_key == "GUENES OERSTED"
    assert keys.given_key == "CAGLAR"
    assert keys.family_phonetic == koelner_phonetik("Guenes Oersted")
