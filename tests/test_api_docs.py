"""/api/docs: our own page of the API, read from the OpenAPI document, in the site's layout and
languages (axe and the keyboard: tests/browser/test_api_docs.py)."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import translation

from hamburg_service.api import api
from hamburg_service.core.api_docs import api_doc, notes_of, type_of


def test_every_operation_and_schema_of_the_openapi_document_is_on_the_page(db):
    schema = api.get_openapi_schema()
    page = Client().get("/en/api/docs").content.decode().replace("<wbr>", "")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert (
                f'<h3 id="{operation["operationId"]}"><code>{method.upper()} {path}</code>' in page
            )
            assert f'href="#{operation["operationId"]}"' in page  # in the contents
    for name in schema["components"]["schemas"]:
        assert f'<h3 id="schema-{name}"><code>{name}</code></h3>' in page
    # A body, a parameter with its limits, a response with its header, a schema's fields.
    tickets = page[page.index('id="hamburg_service_visits_api_ticket_create"') :]
    assert '<a href="#schema-TicketIn">TicketIn</a> (application/json)' in tickets
    assert "X-Kiosk-Key" in tickets
    assert "<code>Retry-After</code> (header): integer" in tickets
    assert re.search(r"<code>services</code>: array of string, <strong>required</strong>", page)
    assert 'href="/api/v1/openapi.json"' in page


def test_the_page_is_german_at_api_docs_and_english_under_en(db):
    english_browser = Client(headers={"Accept-Language": "en"})
    # As on every page: an English browser's first visit goes to the English address ...
    assert english_browser.get("/api/docs")["Location"] == "/en/api/docs"
    # ... and a chosen language is remembered; the address decides what is shown.
    german = english_browser.get("/api/docs?lang=de", follow=True)
    assert german.status_code == 200
    assert '<html lang="de">' in german.content.decode()
    assert german["Content-Language"] == "de"
    english = Client().get("/en/api/docs")
    assert '<html lang="en">' in english.content.decode()
    assert "<h1>API documentation</h1>" in english.content.decode()
    assert 'href="/api/docs?lang=de"' in english.content.decode()  # the language switch


def test_the_page_loads_nothing_from_elsewhere(db):
    html = Client().get("/api/docs").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


@translation.override("en")
def test_types_limits_and_texts_are_read_plainly_and_escaped():
    assert type_of({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}) == (
        "string (date) or null"
    )
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/CallOut"}}) == (
        'array of <a href="#schema-CallOut">CallOut</a>'
    )
    assert notes_of({"type": "integer", "minimum": 1, "maximum": 2**63 - 1, "default": 5}) == [
        "≥ 1",
        "default: 5",
    ]
    doc = api_doc(
        {
            "info": {"title": "T", "version": "1", "description": "Use `<b>` & <script>"},
            "paths": {"/x": {"get": {"summary": "<i>", "responses": {}}}},
        }
    )
    assert doc.description == "Use <code>&lt;b&gt;</code> &amp; &lt;script&gt;"
    assert doc.groups[0].operations[0].anchor == "get-x"
