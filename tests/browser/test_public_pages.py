"""The public pages and the staff sign-in, driven by keyboard in Chromium and checked with axe-core.

Texts that come from {% translate %} are not asserted in German (the catalogue is still being
translated); service, location and district names and the English headings are.
"""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from hamburg_service.accounts.demo import DEMO_PASSWORD, demo_staff_ensure
from hamburg_service.feedback.models import AccessibilityFeedback
from tests.browser.conftest import assert_no_axe_violations

SERVICE = "Anmeldung einer Wohnung (Anmeldung/Ummeldung)"
LOCATION = "Kundenzentrum City"
LOCATION_EN = "Residents' service centre City"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def tab_to(page: Page, target: Locator, *, max_presses: int = 25) -> None:
    """Press Tab until `target` has the focus (fails if it is not reachable by keyboard)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {max_presses} Tab presses")


def focused(page: Page) -> str:
    """A short description of the focused element, for assertions."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')"
        " + (el.className ? '.' + el.className : ''); }"
    )


def expect_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(site: str, page: Page) -> None:
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert focused(page) == "a.skip-link"
    skip = page.locator("a.skip-link")
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_in_viewport()  # visible once focused
    page.keyboard.press("Enter")
    assert focused(page) == "main#main.wrap"
    assert page.url.endswith("#main")
    # The next Tab stop is inside main: the search field.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_search_service_location_and_language_switch_by_keyboard(site: str, page: Page) -> None:
    # Home page.
    page.goto(site + "/")
    expect_lang(page, "de")
    expect(page.locator("h1")).to_have_count(1)
    assert_no_axe_violations(page)

    # Search by keyboard: Tab to the field, type, Enter.
    search = page.locator("form[role=search] input[name=q]")
    tab_to(page, search)
    page.keyboard.type("Anmeldung")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=Anmeldung"))
    expect(search).to_have_value("Anmeldung")
    results = page.locator("section[aria-labelledby=results-heading] .card h3 a")
    expect(results.filter(has_text=SERVICE)).to_have_count(1)
    assert_no_axe_violations(page)

    # Open the service by keyboard.
    service_link = results.filter(has_text=SERVICE)
    service_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/services/anmeldung/")
    expect(page.locator("h1")).to_have_text(SERVICE)
    documents = page.locator("section[aria-labelledby=bring] li")
    expect(documents.first).to_contain_text("Personalausweis")
    expect(documents.filter(has_text="Wohnungsgeberbestätigung")).to_have_count(1)
    where = page.locator("section[aria-labelledby=where]")
    expect(where.get_by_role("heading", name="Hamburg-Mitte", exact=True)).to_be_visible()
    expect(where.get_by_role("link", name=LOCATION, exact=True)).to_be_visible()
    assert where.locator("li a").count() >= 5
    assert_no_axe_violations(page)

    # Open a location from the service page, by keyboard.
    where.get_by_role("link", name=LOCATION, exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/locations/kundenzentrum-city/")
    expect(page.locator("h1")).to_have_text(LOCATION)
    expect(page.locator("section[aria-labelledby=address] address")).to_have_text(
        re.compile(r"Spitalerstraße 4\s*20095 Hamburg")
    )
    rows = page.locator("table.hours tbody tr")
    expect(rows).to_have_count(7)
    today = timezone.localdate()
    current = page.locator('table.hours tbody tr[aria-current="date"]')
    expect(current).to_have_count(1)
    assert rows.nth(today.weekday()).get_attribute("aria-current") == "date"
    expect(page.locator('ul.days li[aria-current="date"]')).to_have_count(1)
    expect(page.locator("ul.days > li")).to_have_count(14)
    assert_no_axe_violations(page)

    # Switch to English with the language switch.
    english = page.locator('.lang-switch a[hreflang="en"]')
    expect(english).to_contain_text("EN")
    english.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/locations/kundenzentrum-city/")
    expect_lang(page, "en")
    expect(page.locator("h1")).to_have_text(LOCATION_EN)
    expect(page.locator("h2#hours")).to_have_text("Opening hours")
    expect(page.locator("h2#address")).to_have_text("Address")
    expect(current.locator("th")).to_contain_text(WEEKDAYS_EN[today.weekday()])
    expect(current.locator("th .badge")).to_have_text("today")
    expect(page.locator('.lang-switch [aria-current="true"]')).to_contain_text("EN")
    assert_no_axe_violations(page)

    # And back to German.
    page.locator('.lang-switch a[hreflang="de"]').click()
    page.wait_for_url(re.compile(r"/locations/kundenzentrum-city/$"))
    assert "/en/" not in page.url
    expect_lang(page, "de")
    expect(page.locator("h1")).to_have_text(LOCATION)


def test_locations_overview(site: str, page: Page) -> None:
    page.goto(site + "/locations/")
    expect_lang(page, "de")
    expect(page.locator('.main-nav a[aria-current="page"]')).to_have_count(1)
    districts = page.locator("main section h2")
    assert districts.count() >= 7
    expect(districts.filter(has_text="Hamburg-Mitte")).to_have_count(1)
    card = page.locator(".card").filter(has_text=LOCATION).first
    expect(card).to_contain_text("Spitalerstraße 4")
    # The district table of contents jumps to the district section.
    toc = page.locator("nav.toc a").first
    target = toc.get_attribute("href")
    assert target is not None
    expect(page.locator(target)).to_have_count(1)
    assert_no_axe_violations(page)


def test_accessibility_statement_and_feedback_form(site: str, page: Page) -> None:
    page.goto(site + "/accessibility/")
    expect(page.locator("h1")).to_have_count(1)
    assert_no_axe_violations(page)

    # Submitting the empty form: an error summary that is announced and links to the field.
    form = page.locator("form[aria-labelledby=feedback]")
    form.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(summary.locator('a[href="#id_message"]')).to_have_count(1)
    message = page.locator("#id_message")
    expect(message).to_have_attribute("aria-invalid", "true")
    expect(message).to_have_attribute("aria-describedby", "id_message-error")
    expect(page.locator("#id_message-error")).to_be_visible()
    assert_no_axe_violations(page)

    # The summary link moves the focus to the field.
    summary.locator('a[href="#id_message"]').focus()
    page.keyboard.press("Enter")
    assert focused(page) == "textarea#id_message"

    # Filled in, it is accepted and confirmed.
    page.keyboard.type("Der Kontrast der Schaltflächen ist zu schwach.")
    page.locator("#id_email").fill("person@example.org")
    page.locator("#id_email").press("Enter")  # Enter in a text field submits the form.
    # POST, then redirect to the statement (the browser keeps the #fragment across it).
    expect(page.locator(".messages[role=status] .message-success")).to_be_visible()
    assert re.search(r"/accessibility/(#.*)?$", page.url)
    expect(page.locator(".error-summary")).to_have_count(0)
    assert_no_axe_violations(page)
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.message == "Der Kontrast der Schaltflächen ist zu schwach."
    assert feedback.email == "person@example.org"
    assert feedback.language == "de"


def test_legal_pages(site: str, page: Page) -> None:
    for path in ("/imprint/", "/privacy/", "/en/imprint/", "/en/privacy/"):
        response = page.goto(site + path)
        assert response is not None
        assert response.status == 200, path
        expect(page.locator("h1")).to_have_count(1)
        assert_no_axe_violations(page)
    expect_lang(page, "en")
    expect(page.locator("h1")).to_have_text("Privacy")


def test_not_found_page(site: str, page: Page) -> None:
    response = page.goto(site + "/locations/there-is-no-such-place/")
    assert response is not None
    assert response.status == 404
    expect_lang(page, "de")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main a[href='/']")).to_have_count(1)
    assert_no_axe_violations(page)


def test_staff_sign_in_and_staff_pages(site: str, page: Page) -> None:
    demo_staff_ensure()
    page.goto(site + "/")
    page.locator(".site-footer a[href='/staff/login/']").click()
    page.wait_for_url("**/staff/login/")
    assert_no_axe_violations(page)

    # A wrong password: the error is announced, the page stays accessible.
    page.locator("#id_username").fill("administrator")
    page.locator("#id_password").fill("not-the-password")
    page.locator("#id_password").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)

    # Sign in through the form, by keyboard.
    page.locator("#id_username").fill("administrator")
    page.locator("#id_password").focus()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator(".main-nav a[href='/staff/']")).to_have_count(1)
    places = page.locator("main ul.place-list li a")
    assert places.count() >= 30  # the administrator works city-wide
    assert_no_axe_violations(page)

    page.locator("main ul.place-list").get_by_role("link", name=LOCATION, exact=True).click()
    page.wait_for_url("**/staff/locations/kundenzentrum-city/")
    expect(page.locator("h1")).to_have_text(LOCATION)
    expect(page.locator("table.hours tbody tr")).to_have_count(7)
    assert_no_axe_violations(page)

    page.goto(site + "/staff/feedback/")
    expect(page.locator("h1")).to_have_count(1)
    assert_no_axe_violations(page)


def test_an_english_browser_starts_in_english_and_keeps_a_switch_to_german(
    site: str, browser
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(site + "/")
    assert page.url == site + "/en/"
    expect_lang(page, "en")
    german = page.locator(".lang-switch a[hreflang=de]")
    tab_to(page, german)
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/")
    expect_lang(page, "de")
    assert_no_axe_violations(page)
    page.goto(site + "/locations/")  # typed by hand: the choice holds
    expect_lang(page, "de")
    context.close()
