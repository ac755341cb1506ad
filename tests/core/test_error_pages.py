"""403 and 404 pages in the language of the address and the site's layout, with DEBUG on (as
`make run` runs) and off; problems under /api/ (issue 10, item 9)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hamburg_service.accounts.models import Role

CITY = "kundenzentrum-city"


# Not a module-wide django_db mark: it would open the test's transaction before the demo city
# is committed (tests/conftest.py), and the city would be rolled back with the first test.
@pytest.fixture(params=[False, True], ids=["production", "development"])
def debug(request: pytest.FixtureRequest, settings, db) -> bool:  # type: ignore[no-untyped-def]
    """DEBUG off (production) and on (`make run`)."""
    settings.DEBUG = request.param
    settings.DEBUG_TECHNICAL_404 = False
    return bool(request.param)


def page(response, status: int, language: str) -> str:  # type: ignore[no-untyped-def]
    """The page's HTML, after checking that it is ours: status, language, layout."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'class="main-nav"' in html  # base.html's navigation
    assert 'class="lang-switch"' in html  # and its language switch
    assert "Using the URLconf" not in html  # not Django's technical page
    return html


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


# Unknown to the URL patterns, and a view that raises Http404 (a booking link without its
# time), and a service that does not exist (an AppError).
ENGLISH = ["/en/nowhere/", "/en/no/such/page", "/en/appointments/book/", "/en/services/none/"]
GERMAN = ["/nirgends/", "/appointments/book/", "/services/none/"]


@pytest.mark.parametrize("url", ENGLISH)
def test_an_unknown_english_address_answers_the_english_404_page(debug, client, url):
    html = page(client.get(url), 404, "en")
    assert "<h1>Page not found</h1>" in html
    assert "?lang=de" in html  # the language switch leads to the same address in German


@pytest.mark.parametrize("url", GERMAN)
def test_an_unknown_german_address_answers_the_german_404_page(debug, client, url):
    html = page(client.get(url), 404, "de")
    assert "<h1>Seite nicht gefunden</h1>" in html


def test_an_english_browser_gets_the_english_404_page(debug, client):
    response = client.get("/nirgends/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [("/en/nirgends/", 302)]
    page(response, 404, "en")


def test_a_missing_slash_is_still_added_before_the_404(debug, client):
    response = client.get("/en/appointments")
    assert response.status_code == 301
    assert response["Location"] == "/en/appointments/"


@pytest.mark.parametrize("url", ["/api/nowhere", "/api/v1/nowhere", "/api/v1/services/none/x"])
def test_unknown_api_addresses_answer_a_problem(debug, client, url):
    body = problem(client.get(url), 404)
    assert body["type"].endswith("/problems/not-found")
    assert body["instance"] == url


def test_developers_can_still_ask_for_the_technical_404(settings, db, client):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = True
    response = client.get("/en/nowhere/")
    assert response.status_code == 404
    assert "Using the URLconf" in response.content.decode()


def test_a_staff_page_the_role_does_not_allow_answers_the_403_page(debug, demo_city, client_as):
    caseworker = client_as(Role.CASEWORKER_REGISTRATION, locations=[CITY])
    html = page(caseworker.get(f"/en/visits/desk/{CITY}/"), 403, "en")
    assert "<h1>Not allowed</h1>" in html
    html = page(caseworker.get(f"/visits/desk/{CITY}/"), 403, "de")
    assert "<h1>Nicht erlaubt</h1>" in html


@pytest.mark.parametrize(("prefix", "language"), [("/en", "en"), ("", "de")])
def test_a_form_sent_without_its_security_token_answers_the_403_page(debug, prefix, language):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{prefix}/appointments/waitlist/", {"name": "Anna Berg"})
    html = page(response, 403, language)
    assert "The form could not be sent" in html or "Das Formular" in html
    assert "CSRF" not in html  # not Django's page for developers
    assert 'href="/en/"' in html or 'href="/"' in html  # a way on: find a service


def test_the_api_keeps_its_problems_for_a_refused_role(debug, demo_city, client_as):
    caseworker = client_as(Role.CASEWORKER_REGISTRATION, locations=[CITY])
    body = problem(caseworker.get(f"/api/v1/visits/{CITY}/queue"), 403)
    assert body["type"].endswith("/problems/role-forbids")


def test_a_group_of_boxes_with_an_error_points_to_its_first_box_not_to_nothing():
    """The error summary links a checkbox group's message to its first box; no box is
    described by a message id that does not exist ("-error")."""
    from django import forms
    from django.template.loader import render_to_string

    from hamburg_service.core.forms import AccessibleForm

    class Choose(AccessibleForm):
        things = forms.MultipleChoiceField(
            choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
        )

    form = Choose({})
    assert not form.is_valid()
    assert "aria-describedby" not in str(form["things"])
    assert 'href="#id_things_0"' in render_to_string("core/form_errors.html", {"form": form})
