"""German is the default and must be complete; English is the source language."""

from __future__ import annotations

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
