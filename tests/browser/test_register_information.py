"""Register information (§ 44 BMG) in Chromium: asked by keyboard alone, in German and
English, answered; the error state names its fields, keeps what was typed, and is axe-clean.
The proof-of-work captcha runs in the page (core/captcha.js) as for booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from hamburg_service.people.checks import Address, BirthDate, today_in_hamburg
from hamburg_service.people.models import RegisterInformationRequest
from hamburg_service.people.services import identity, residences
from tests.browser.conftest import assert_no_axe_violations
from tests.support.actors import SYSTEM

PAGE = "/register-information/"


def tab_to(page: Page, target: Locator, *, max_presses: int = 60) -> None:
    """Press Tab until `target` has the focus (fails if the keyboard cannot reach it)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {max_presses} Tab presses")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


@pytest.fixture
def site(live_server, transactional_db, settings) -> str:  # type: ignore[no-untyped-def]
    """The live server with one resident: Dr. Anna Maria Müller, born 4 March 1985, living
    at Kirchenallee 1. The captcha is on, as in production."""
    settings.CAPTCHA_ENABLED = True
    settings.CAPTCHA_MAX_NUMBER = 2000  # a quick proof of work for the test
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Müller",
            given_names="Anna Maria",
            doctoral_degree="Dr.",
            sex="w",
            birth=BirthDate(1985, 3, 4),
        ),
        actor=SYSTEM,
    ).person
    residences.residence_register(
        person=person,
        address=Address(street="Kirchenallee", house_number="1", postcode="20099"),
        moved_in_on=today_in_hamburg(timezone.now()) - dt.timedelta(days=30),
        actor=SYSTEM,
    )
    return live_server.url


def test_asking_by_keyboard_in_german_gets_the_answer(site: str, page: Page) -> None:
    page.goto(site + PAGE)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    form = page.locator("main form")
    assert_no_axe_violations(page)
    type_into(page, form.locator("#id_family_name"), "Mueller")  # as ICAO writes Müller
    type_into(page, form.locator("#id_given_names"), "Anna Maria")
    type_into(page, form.locator("#id_birth_date"), "04.03.1985")
    type_into(page, form.locator("#id_requester_name"), "Erika Mustermann")
    type_into(page, form.locator("#id_requester_email"), "erika@example.org")
    private = form.locator('input[name="purpose"][value="private"]')
    tab_to(page, private)
    page.keyboard.press("Space")
    expect(private).to_be_checked()
    tab_to(page, form.locator('button[type="submit"]'))
    # The proof of work is solved in the background; the form waits for it if need be.
    expect(page.locator("#captcha-status")).not_to_be_empty()
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_have_count(1)
    answer = page.locator("main section")
    expect(answer).to_contain_text("Kirchenallee 1")
    expect(answer).to_contain_text("Dr. Anna Maria Müller")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_no_axe_violations(page)
    row = RegisterInformationRequest.objects.get()
    assert (row.answer, row.channel, row.language, row.purpose) == (
        "found",
        "page",
        "de",
        "private",
    )


def test_too_little_to_identify_anyone_in_english_names_the_field_and_keeps_the_input(
    site: str, page: Page
) -> None:
    page.goto(f"{site}/en{PAGE}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    form = page.locator("main form")
    expect(form).to_contain_text("€10.00")  # the fee, before sending
    type_into(page, form.locator("#id_family_name"), "Müller")
    type_into(page, form.locator("#id_given_names"), "Anna Maria")
    type_into(page, form.locator("#id_postcode"), "10117")  # Berlin
    type_into(page, form.locator("#id_requester_name"), "Erika Mustermann")
    tab_to(page, form.locator('button[type="submit"]'))
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please correct the following:")
    expect(summary).to_contain_text("10117 is not a Hamburg postcode.")
    expect(summary).to_contain_text("Your e-mail address")
    expect(summary).to_contain_text("Purpose")
    expect(page.locator("#id_family_name")).to_have_value("Müller")
    expect(page.locator("#id_postcode")).to_have_value("10117")
    expect(page.locator("#id_postcode")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_postcode-error")).to_be_visible()
    assert_no_axe_violations(page)
    # The summary's link takes the keyboard to the field.
    link = summary.locator('a[href="#id_postcode"]')
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.locator("#id_postcode")).to_be_focused()
    # Neither a date of birth nor an address: the message is at the date of birth.
    page.locator("#id_postcode").fill("")
    page.locator("#id_street").fill("")
    page.locator("#id_house_number").fill("")
    tab_to(page, form.locator('button[type="submit"]'))
    page.keyboard.press("Enter")
    expect(page.locator("#id_birth_date-error")).to_contain_text(
        "Give the date of birth or a former address in Hamburg"
    )
    expect(page.locator("#id_given_names")).to_have_value("Anna Maria")
    assert_no_axe_violations(page)
    assert not RegisterInformationRequest.objects.exists()
