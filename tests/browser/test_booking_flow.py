"""A resident books, moves and cancels an appointment end to end, with the keyboard only.

Every control is reached with Tab (`tab_to`) and operated with Space, Enter, arrow keys and
typing; no mouse clicks. Every page of the flow, including the form's error state, is checked
with axe-core. Texts that come from {% translate %} are matched in German or English (the German
catalogue is still being translated); service and location names are matched exactly.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from hamburg_service.appointments.models import Appointment, Status
from hamburg_service.catalog.hours import BERLIN
from tests.browser.conftest import assert_no_axe_violations

SERVICE = "Anmeldung einer Wohnung (Anmeldung/Ummeldung)"
SERVICE_EN = "Registering your address"
LOCATION = "Kundenzentrum City"
LOCATION_EN = "Residents' service centre City"
NAME = "Erika Mustermann"
EMAIL = "erika.mustermann@example.org"

# The status pill starts with a visually hidden "Status:" for screen readers.
CONFIRMED = re.compile(r"^\s*(Status: )?(Bestätigt|Confirmed)\s*$")
CANCELLED = re.compile(r"^\s*(Status: )?(Storniert|Abgesagt|Cancelled)\s*$")
WHEN = re.compile(r"\d{1,2}\. \w+ \d{4}, (\d{2}:\d{2})–(\d{2}:\d{2})")


@pytest.fixture(autouse=True)
def _confirm_at_once(settings) -> None:  # type: ignore[no-untyped-def]
    """Bookings are confirmed at once (no e-mail round trip); applies to the live server too.
    The proof-of-work captcha stays on, so the page's script really solves it."""
    settings.BOOKING_CONFIRM_BY_EMAIL = False
    settings.CAPTCHA_ENABLED = True
    settings.CAPTCHA_MAX_NUMBER = 20000


def is_focused(target: Locator) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def focused(page: Page) -> str:
    """A short description of the focused element, for failure messages."""
    return str(
        page.evaluate(
            "() => { const el = document.activeElement; if (!el) return 'nothing';"
            " return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')"
            " + (el.getAttribute('href') ? '[href=' + el.getAttribute('href') + ']' : '')"
            " + ' ' + (el.textContent || '').trim().slice(0, 40); }"
        )
    )


def tab_to(page: Page, target: Locator, max_presses: int = 80) -> None:
    """Press Tab until `target` has the focus; fail clearly if the keyboard cannot reach it."""
    expect(target).to_have_count(1)
    seen: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if is_focused(target):
            return
        seen.append(focused(page))
    raise AssertionError(
        f"{target} not reached with {max_presses} Tab presses; the last stops were: "
        + " | ".join(seen[-8:])
    )


def start_from_top(page: Page) -> None:
    """Put the keyboard at the start of the page, as after loading it."""
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def press_enter_and_wait(page: Page, url: str | re.Pattern[str]) -> None:
    page.keyboard.press("Enter")
    page.wait_for_url(url)
    page.wait_for_load_state()


def choose_option(page: Page, select: Locator, label: str, max_presses: int = 60) -> None:
    """Select an option of a focused, closed <select> with the arrow keys."""
    assert is_focused(select), focused(page)
    for _ in range(max_presses):
        if select.evaluate("el => el.options[el.selectedIndex].text") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label!r} not reached with {max_presses} ArrowDown presses")


def search_times(page: Page, service: str, location: str) -> None:
    """On the search page: tick the service, pick the location, submit. All by keyboard."""
    assert_no_axe_violations(page)
    form = page.locator("main form")
    checkbox = form.get_by_label(service, exact=True)
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()

    select = form.locator("select[name=location]")
    tab_to(page, select)
    choose_option(page, select, location)

    tab_to(page, form.locator("button[type=submit]"))
    press_enter_and_wait(
        page,
        re.compile(
            r"services=anmeldung.*location=kundenzentrum-city|"
            r"location=kundenzentrum-city.*services=anmeldung"
        ),
    )
    expect(checkbox).to_be_checked()  # the choice is kept
    expect(select).to_have_value("kundenzentrum-city")


def manage_card_time(page: Page) -> str:
    when = page.locator(".appointment-card dd").first.inner_text()
    match = WHEN.search(when)
    assert match, when
    return when


def test_book_move_and_cancel_by_keyboard(site: str, page: Page) -> None:
    # 1. Search page.
    page.goto(site + "/appointments/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_count(1)
    search_times(page, SERVICE, LOCATION)

    # 2. Results: free times, grouped by day, each a link to the booking page.
    times = page.locator("section[aria-labelledby=times-heading] ul.times a")
    assert times.count() > 0
    expect(times.first).to_contain_text(LOCATION)
    expect(times.first).to_have_text(re.compile(r"^\s*\d{2}:\d{2}\b"))
    assert_no_axe_violations(page)
    first_time = times.first.inner_text().split()[0]
    start_from_top(page)
    tab_to(page, times.first)
    press_enter_and_wait(page, re.compile(r"/appointments/book/\?"))

    # 3. Details page.
    expect(page.locator("h1")).to_have_count(1)
    summary = page.locator(".summary dl")
    expect(summary).to_contain_text(LOCATION)
    expect(summary).to_contain_text(SERVICE)
    expect(summary).to_contain_text(f", {first_time}–")
    # The help texts are the fields' accessible descriptions.
    expect(page.locator("#id_name")).to_have_accessible_description(
        re.compile(r"(identity document|Ausweis)")
    )
    expect(page.locator("#id_email")).to_have_accessible_description(re.compile(r"\S"))
    assert_no_axe_violations(page)
    book_url = page.url

    form = page.locator("main form.form")
    name = form.locator("input[name=name]")
    email = form.locator("input[name=email]")
    submit = form.locator("button[type=submit]")

    # 3a. Error state: empty name, invalid e-mail.
    tab_to(page, email)
    page.keyboard.type("not-an-e-mail")
    tab_to(page, submit)
    press_enter_and_wait(page, book_url)
    errors = page.locator("main .error-summary[role=alert]")
    expect(errors).to_have_count(1)
    expect(errors.locator("a")).to_have_count(2)
    expect(errors.locator("a[href='#id_name']")).to_be_visible()
    expect(errors.locator("a[href='#id_email']")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^(Fehler|Error): "))
    expect(email).to_have_value("not-an-e-mail")  # the input is kept
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bid_email-error\b"))
    expect(page.locator("#id_email-error")).to_be_visible()
    assert Appointment.objects.count() == 0
    assert_no_axe_violations(page)

    # 3b. The error summary's link takes the keyboard to the field.
    start_from_top(page)
    tab_to(page, errors.locator("a[href='#id_name']"))
    page.keyboard.press("Enter")
    expect(name).to_be_focused()
    page.keyboard.type(NAME)
    tab_to(page, email)  # the next Tab stop after the name field
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(EMAIL)
    tab_to(page, submit)
    # The form posts to the page's address, so the "#id_name" fragment may ride along.
    press_enter_and_wait(page, re.compile(r"/appointments/manage/[^/]+/(#.*)?$"))

    # 4. The appointment page: reference and confirmed status.
    appointment = Appointment.objects.get()
    assert appointment.status == Status.CONFIRMED
    assert appointment.name == NAME
    assert appointment.email == EMAIL
    reference = page.locator(".appointment-card .reference strong")
    expect(reference).to_have_text(re.compile(r"^[A-Z0-9]{8}$"))
    assert reference.inner_text() == appointment.reference
    expect(page.locator(".appointment-card .tag")).to_have_text(CONFIRMED)
    expect(page.locator(".messages[role=status]")).to_be_visible()
    expect(page).to_have_title(re.compile(re.escape(appointment.reference)))
    booked_when = manage_card_time(page)
    assert f", {first_time}–" in booked_when
    assert_no_axe_violations(page)
    manage_url = re.compile(re.escape(page.url.split("#")[0]) + r"(#.*)?$")

    # The calendar file.
    ics = page.locator("main a[href$='/calendar.ics']")
    expect(ics).to_have_count(1)
    response = page.request.get(site + ics.get_attribute("href"))  # type: ignore[operator]
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in response.text()
    assert appointment.reference in response.text()

    # 5. Move: the search of the search page, here near a postcode, over every location that
    # offers the service; the nearest location's times come first within each day.
    start_from_top(page)
    tab_to(page, page.locator("main a[href*='/move/']"))
    press_enter_and_wait(page, re.compile(r"/manage/[^/]+/move/$"))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main")).to_contain_text(appointment.reference)
    assert_no_axe_violations(page)
    form = page.locator("main form.form")
    near = form.locator("input[name=near]")
    tab_to(page, near)
    page.keyboard.type("22765")  # Ottensen: Altona is nearer than the City
    tab_to(page, form.locator("button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"/move/\?.*near=22765"))
    expect(page.locator("#times-heading")).to_be_focused()  # the results, not the form, on a phone
    groups = page.locator("#results h4.times-location")
    expect(groups.first).not_to_contain_text(LOCATION)
    assert_no_axe_violations(page)
    elsewhere = page.locator("#results ul.times").first.locator("a").first
    tab_to(page, elsewhere)
    press_enter_and_wait(page, re.compile(r"/move/\?location=[^&]+&start="))

    # 5a. One question before anything changes.
    assert_no_axe_violations(page)
    booked_start = appointment.start
    appointment.refresh_from_db()
    assert appointment.start == booked_start
    chosen_location = page.url.split("location=")[1].split("&")[0]
    tab_to(page, page.locator("main form button[type=submit]"))
    press_enter_and_wait(page, manage_url)

    # 6. Back on the appointment page: the time changed.
    appointment.refresh_from_db()
    assert appointment.location.slug == chosen_location != "kundenzentrum-city"
    assert appointment.status == Status.CONFIRMED
    moved_when = manage_card_time(page)
    assert f", {appointment.start.astimezone(BERLIN):%H:%M}–" in moved_when, moved_when
    expect(page.locator(".appointment-card")).to_contain_text(appointment.location.name)
    expect(page.locator(".messages[role=status]")).to_be_visible()
    expect(page.locator(".appointment-card .tag")).to_have_text(CONFIRMED)
    assert_no_axe_violations(page)

    # 7. Cancel: the first press asks, the second cancels.
    start_from_top(page)
    tab_to(page, page.locator("main form button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator("main form input[name=action][value=cancel-confirmed]")).to_have_count(1)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED  # nothing happens before the second press
    assert_no_axe_violations(page)
    start_from_top(page)
    tab_to(page, page.locator("main form button[type=submit]"))
    press_enter_and_wait(page, manage_url)
    expect(page.locator(".appointment-card .tag")).to_have_text(CANCELLED)
    expect(page.locator("main a[href*='/move/']")).to_have_count(0)
    expect(page.locator("main form button[type=submit]")).to_have_count(0)
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert_no_axe_violations(page)


def test_booking_starts_in_english_by_keyboard(site: str, page: Page) -> None:
    page.goto(site + "/en/appointments/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Book an appointment")
    search_times(page, SERVICE_EN, LOCATION_EN)
    assert "/en/appointments/" in page.url
    expect(page.locator("#times-heading")).to_have_text("Free times")
    times = page.locator("section[aria-labelledby=times-heading] ul.times a")
    expect(times.first).to_contain_text(LOCATION_EN)
    assert_no_axe_violations(page)

    start_from_top(page)
    tab_to(page, times.first)
    press_enter_and_wait(page, re.compile(r"/en/appointments/book/\?"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Your details")
    expect(page.locator(".summary dl")).to_contain_text(SERVICE_EN)
    assert_no_axe_violations(page)

    form = page.locator("main form.form")
    tab_to(page, form.locator("input[name=name]"))
    page.keyboard.type(NAME)
    tab_to(page, form.locator("input[name=email]"))
    page.keyboard.type(EMAIL)
    tab_to(page, form.locator("button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"/en/appointments/manage/[^/]+/$"))
    expect(page.locator("h1")).to_have_text("Your appointment")
    expect(page.locator(".appointment-card .tag")).to_have_text("Status: Confirmed")
    expect(page.locator(".messages[role=status]")).to_have_text("Your appointment is booked.")
    expect(page.locator("main a[href*='/move/']")).to_have_text("Move to another time")
    assert Appointment.objects.get().language == "en"
    assert_no_axe_violations(page)


def test_a_lost_link_is_asked_for_again_by_keyboard(site: str, page: Page) -> None:
    page.goto(site + "/appointments/")
    start_from_top(page)
    tab_to(page, page.get_by_role("link", name="Den Link zu Ihrem Termin erneut anfordern"))
    press_enter_and_wait(page, re.compile(r"/appointments/link/$"))
    assert_no_axe_violations(page)
    tab_to(page, page.get_by_label("Buchungsnummer"))
    page.keyboard.type("AB12CD34")
    tab_to(page, page.get_by_label("E-Mail-Adresse"))
    page.keyboard.type("not-an-address")
    tab_to(page, page.locator("main form button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"/appointments/link/$"))
    expect(page.locator(".error-summary")).to_contain_text("E-Mail-Adresse")
    expect(page.get_by_label("Buchungsnummer")).to_have_value("AB12CD34")  # nothing lost
    assert_no_axe_violations(page)
    page.get_by_label("E-Mail-Adresse").fill("")
    page.get_by_label("E-Mail-Adresse").focus()
    page.keyboard.type("anna@example.org")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("main [role=status]")).to_contain_text("anna@example.org")
    assert_no_axe_violations(page)


def test_on_a_phone_a_search_opens_at_its_results(site: str, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/appointments/")
    form = page.locator("main form")
    checkbox = form.get_by_label(SERVICE, exact=True)
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    tab_to(page, form.locator("button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"services=anmeldung.*#results$"))
    heading = page.locator("#times-heading")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    assert_no_axe_violations(page)
