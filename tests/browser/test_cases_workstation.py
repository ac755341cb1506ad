"""The caseworker workstation by keyboard, checked with axe: a caseworker takes the next case
from the pool, reads why it was the most urgent and lets it wait for the applicant; the pool
and a team lead's load and backlog pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from hamburg_service.accounts.demo import demo_staff_ensure
from hamburg_service.cases.demo import case_types_ensure, demo_cases_ensure
from hamburg_service.cases.models import Case, CaseStatus
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import choose_option, press_enter_and_wait, tab_to
from tests.browser.test_person_record import sign_in


def test_a_caseworker_takes_the_next_case_by_keyboard(site: str, page: Page) -> None:
    demo_staff_ensure()
    case_types_ensure()
    demo_cases_ensure()
    sign_in(page, site, "caseworker-immigration")
    tab_to(page, page.locator("main a[href='/staff/cases/']"))
    press_enter_and_wait(page, re.compile(r"/staff/cases/$"))
    assert_no_axe_violations(page)
    tab_to(page, page.get_by_role("button", name="Nächster Fall"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/cases/HS-\d{4}-\d{6}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_role("heading", name="Warum dieser Fall: Dringlichkeit")).to_be_visible()
    assert_no_axe_violations(page)
    # The Blue Card received 70 days ago: closest to its statutory period.
    assert Case.objects.get(reference=reference).case_type.slug == "blue-card"

    tab_to(page, page.locator("#id_t-status"))
    choose_option(page, page.locator("#id_t-status"), "wartet auf die antragstellende Person")
    tab_to(page, page.locator("#id_t-reason"))
    page.keyboard.type("Nachweis der Krankenversicherung fehlt")
    tab_to(page, page.get_by_role("button", name="Status ändern"))
    press_enter_and_wait(page, re.compile(rf"/staff/cases/{reference}/$"))
    expect(page.get_by_text("Uhr gehemmt seit")).to_be_visible()
    assert Case.objects.get(reference=reference).status == CaseStatus.WAITING_APPLICANT
    assert_no_axe_violations(page)

    page.goto(site + "/staff/cases/pool/")
    assert_no_axe_violations(page)


def test_a_team_lead_sees_the_load_and_the_backlog(site: str, page: Page) -> None:
    demo_staff_ensure()
    case_types_ensure()
    demo_cases_ensure()
    sign_in(page, site, "team-lead")
    tab_to(page, page.locator("main a[href='/staff/cases/team/']"))
    press_enter_and_wait(page, re.compile(r"/staff/cases/team/$"))
    assert_no_axe_violations(page)
    page.goto(site + "/staff/cases/backlog/")
    expect(page.get_by_role("heading", name="Rückstand", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
