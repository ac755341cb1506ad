"""German is the default and must be complete; English is the source language."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parent.parent / "src" / "hamburg_service" / "locale"


def test_german_catalogue_is_complete_and_nothing_is_fuzzy():
    po = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr, e.msgstr_plural)
    ]
    assert stale == [], "run `make messages` to recompile django.mo"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "german", "english"),
    [
        ("/", "Wie können wir Ihnen helfen?", "How can we help you?"),
        ("/locations/", "Unsere Standorte", "Our locations"),
        ("/accessibility/", "Erklärung zur Barrierefreiheit", "Accessibility statement"),
    ],
)
def test_pages_speak_german_by_default_and_english_under_en(path, german, english):
    client = Client()
    assert german in client.get(path).content.decode()
    assert english in client.get(f"/en{path}").content.decode()


ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.mark.django_db
def test_a_first_visit_follows_the_browsers_language():
    english = Client(headers=ENGLISH_BROWSER)
    first = english.get("/appointments/?services=anmeldung")
    assert first.status_code == 302
    assert first["Location"] == "/en/appointments/?services=anmeldung"
    assert "Accept-Language" in first["Vary"]
    german = Client(headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert "Wie können wir Ihnen helfen?" in german.get("/").content.decode()
    unknown = Client(headers={"Accept-Language": "tr"})  # unsupported: German, the default
    assert unknown.get("/").status_code == 200


@pytest.mark.django_db
def test_the_choice_of_the_language_switch_is_remembered():
    client = Client(headers=ENGLISH_BROWSER)
    page = client.get("/en/locations/").content.decode()
    assert 'href="/locations/?lang=de"' in page  # the switch records the choice
    chosen = client.get("/locations/?lang=de")
    assert chosen.status_code == 302
    assert chosen["Location"] == "/locations/"
    assert chosen.cookies["django_language"].value == "de"
    # From now on the English browser gets German pages where it asks for them.
    assert "Unsere Standorte" in client.get("/locations/").content.decode()
    back = client.get("/locations/?lang=en")
    assert back.cookies["django_language"].value == "en"
    assert client.get("/locations/")["Location"] == "/en/locations/"


@pytest.mark.django_db
def test_the_api_forms_and_odd_paths_are_not_redirected():
    english = Client(headers=ENGLISH_BROWSER)
    assert english.get("/api/v1/services").status_code == 200
    assert english.get("/healthz").status_code == 200
    assert english.post("/accessibility/", {}).status_code != 302
    sneaky = english.get("/\\evil.example/x?lang=de")  # "/\\host" is "//host" to a browser
    assert sneaky["Location"] == "/evil.example/x"


def test_fees_are_written_as_each_language_writes_them(demo_city):
    german = Client().get("/services/personalausweis/").content.decode()
    english = Client().get("/en/services/personalausweis/").content.decode()
    assert "37,00 €" in german
    assert "€37.00" in english
    assert not re.search(r"\d €", english)  # one format in one page: "€22.80" in the note too


def test_english_dates_have_no_german_full_stop(demo_city):
    english = Client().get("/en/locations/kundenzentrum-city/").content.decode()
    german = Client().get("/locations/kundenzentrum-city/").content.decode()
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday), \d{1,2} [A-Z][a-z]+<", english)
    assert not re.search(
        r"\d\. (January|February|March|April|May|June|July|August|September|"
        r"October|November|December)",
        english,
    )
    assert re.search(
        r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag), \d{1,2}\. [A-ZÄ][a-zä]+<", german
    )


@pytest.mark.django_db
def test_shared_screens_keep_their_language_and_en_alone_is_english():
    english = Client(headers=ENGLISH_BROWSER)
    # A ticket machine or call display in German stays German, whoever used it before.
    display = english.get("/visits/display/nowhere/?lang=en")
    assert display.status_code == 404  # no such place; not a redirect
    assert "django_language" not in display.cookies
    assert english.get("/en").status_code in (200, 301)
