"""A resident searches free times near a Hamburg postcode, with the keyboard only, and gets the
nearest locations with their distance; a place outside Hamburg is shown at the field."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from hamburg_service.appointments.selectors import NEAREST_DEFAULT, locations_near
from hamburg_service.catalog.models import Location, Service
from hamburg_service.catalog.places import place_resolve
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import SERVICE, SERVICE_EN, press_enter_and_wait, tab_to

RESULTS = "section[aria-labelledby=times-heading] ul.times a"
GROUPS = "section[aria-labelledby=times-heading] h4.times-location"


def _nearest_names(postcode: str, language: str) -> dict[str, float]:
    """Names of the locations offering Anmeldung nearest to `postcode`, with their distance."""
    place = place_resolve(postcode)
    assert place is not None
    service = Service.objects.get(slug="anmeldung")
    offering = Location.objects.filter(is_active=True, services=service)
    found, km = locations_near(list(offering), place=place, count=NEAREST_DEFAULT)
    return {getattr(loc, f"name_{language}"): km[loc.pk] for loc in found}


def shift_tab_to(page: Page, target, max_presses: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Shift+Tab until `target` has the focus (back up the page)."""
    for _ in range(max_presses):
        page.keyboard.press("Shift+Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {max_presses} Shift+Tab presses")


def _search_near(page: Page, service: str, near: str) -> None:
    """Tick the service, type the place into the near field, press Enter in it."""
    form = page.locator("main form")
    checkbox = form.get_by_label(service, exact=True)
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    field = form.locator("input[name=near]")
    tab_to(page, field)
    page.keyboard.type(near)
    press_enter_and_wait(page, re.compile(r"near="))


def test_search_near_a_postcode_by_keyboard(site: str, page: Page) -> None:
    page.goto(site + "/appointments/")
    field = page.get_by_label("In der Nähe von (Postleitzahl oder Stadtteil)")
    expect(field).to_have_attribute("name", "near")
    expect(page.locator("#postcode-attribution")).to_contain_text("GeoNames")
    expect(page.locator("#postcode-attribution")).to_contain_text("CC BY 4.0")
    assert_no_axe_violations(page)

    _search_near(page, SERVICE, "Harburger Rathausforum 3, 21073 Hamburg")
    assert "near=Harburger+Rathausforum+3%2C+21073+Hamburg" in page.url
    place = place_resolve("21073")
    assert place is not None
    expect(page.locator(".near-place")).to_have_text(f"In der Nähe von {place.label}")
    expect(field).to_have_value("Harburger Rathausforum 3, 21073 Hamburg")

    nearest = _nearest_names("21073", "de")
    assert "Kundenzentrum Harburg" in nearest
    assert len(nearest) == NEAREST_DEFAULT
    assert "Kundenzentrum Volksdorf" not in nearest  # far in the north-east
    expect(page.locator(RESULTS).first).to_be_visible()
    # Each day lists its locations nearest first, each with its distance and its times.
    for text in page.locator(GROUPS).all_inner_texts():
        match = re.fullmatch(r"(.+), (\d+,\d) km", text.strip())
        assert match, text
        name, km = match.group(1), float(match.group(2).replace(",", "."))
        assert nearest.get(name) == km, (name, km, nearest)
    first_day = page.locator("#results h3").first.evaluate(
        "h => { const out = []; let el = h.nextElementSibling;"
        " while (el && el.tagName !== 'H3') { if (el.tagName === 'H4') out.push(el.textContent);"
        " el = el.nextElementSibling; } return out; }"
    )
    kms = [float(t.rsplit(", ", 1)[1].split()[0].replace(",", ".")) for t in first_day]
    assert kms == sorted(kms), first_day
    assert_no_axe_violations(page)

    # The chosen services fold away behind one line naming them; Enter opens the list again.
    checkbox = page.locator("main form").get_by_label(SERVICE, exact=True)
    expect(checkbox).to_be_hidden()
    summary = page.locator("details.service-picker > summary")
    expect(summary).to_contain_text(SERVICE)
    shift_tab_to(page, summary)
    page.keyboard.press("Enter")
    expect(checkbox).to_be_visible()
    expect(checkbox).to_be_checked()

    # A postcode outside Hamburg: the message at the field, everything entered kept. The page
    # opened at its results; the form lies above them.
    shift_tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type("80331")
    press_enter_and_wait(page, re.compile(r"near=80331"))
    expect(page.locator(".error-summary")).to_contain_text(
        "80331 ist keine Hamburger Postleitzahl."
    )
    expect(page.locator("#id_near-error")).to_have_text("80331 ist keine Hamburger Postleitzahl.")
    expect(field).to_have_value("80331")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main form").get_by_label(SERVICE, exact=True)).to_be_checked()
    expect(page.locator("#times-heading")).to_have_count(0)
    assert_no_axe_violations(page)

    # The error summary's link leads to the field.
    page.locator("body").focus()
    tab_to(page, page.locator(".error-summary a[href='#id_near']"))
    page.keyboard.press("Enter")
    expect(field).to_be_focused()


def test_search_near_a_district_in_english(site: str, page: Page) -> None:
    page.goto(site + "/en/appointments/")
    expect(page.locator("#postcode-attribution")).to_have_text(
        "Postcode data © GeoNames (geonames.org), CC BY 4.0"
    )
    _search_near(page, SERVICE_EN, "Eimsbuettel")
    expect(page.locator(".near-place")).to_have_text("Nearest to Eimsbüttel")
    first = page.locator(GROUPS).first
    expect(first).to_contain_text(re.compile(r", \d+\.\d km$"))
    assert_no_axe_violations(page)
