"""The person record's pages, by keyboard and checked with axe: a clerk finds a person with a
purpose, opens the record and its history, registers a move; the data protection officer
reads the access log; a resident asks who read their data."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from hamburg_service.accounts.demo import DEMO_PASSWORD, demo_staff_ensure
from hamburg_service.accounts.models import AccessLog, User
from hamburg_service.core.actors import Actor
from hamburg_service.people import my_data
from hamburg_service.people.checks import Address, BirthDate
from hamburg_service.people.services import identity, residences
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import choose_option, press_enter_and_wait, tab_to


def sign_in(page: Page, site: str, username: str) -> None:
    page.goto(site + "/staff/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").focus()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/$"))


def registered_person() -> int:
    clerk = Actor.staff(User.objects.get(username="clerk"))
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Nguyễn",
            given_names="Thị Minh Khai",
            sex="w",
            birth=BirthDate(1990, 6, None),
            nationalities=("VNM",),
        ),
        contact_email="minh@example.org",
        actor=clerk,
    ).person
    residences.residence_register(
        person=person,
        address=Address(street="Kirchenallee", house_number="1", postcode="20099"),
        moved_in_on=dt.date(2030, 1, 10),
        actor=clerk,
    )
    return person.pk


def test_a_clerk_finds_and_opens_a_record_by_keyboard(site: str, page: Page) -> None:
    demo_staff_ensure()
    person_id = registered_person()
    sign_in(page, site, "clerk")
    tab_to(page, page.locator("main a[href='/staff/people/']"))
    press_enter_and_wait(page, re.compile(r"/staff/people/$"))
    assert_no_axe_violations(page)

    form = page.locator("main form.form")
    tab_to(page, form.locator("input[name=name]"))
    page.keyboard.type("Nguyen Thi")
    tab_to(page, form.locator("select[name=purpose]"))
    choose_option(page, form.locator("select[name=purpose]"), "Berichtigung des Melderegisters")
    tab_to(page, form.locator("button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"/staff/people/\?"))
    hit = page.locator(f"main table a[href^='/staff/people/{person_id}/']")
    expect(hit).to_contain_text("Nguyễn, Thị Minh Khai")
    expect(page.locator("main table")).to_contain_text("00.06.1990")  # day unknown
    assert_no_axe_violations(page)

    tab_to(page, hit)
    press_enter_and_wait(page, re.compile(rf"/staff/people/{person_id}/\?"))
    expect(page.locator("h1")).to_contain_text("Nguyễn")
    expect(page.locator("main")).to_contain_text("Kirchenallee 1")
    assert_no_axe_violations(page)
    tab_to(page, page.locator("main a", has_text="Änderungsverlauf anzeigen"))
    press_enter_and_wait(page, re.compile(r"history=1"))
    expect(page.locator("ol.timeline li").first).to_be_visible()
    assert_no_axe_violations(page)
    assert AccessLog.objects.filter(subject_type="person").count() == 2

    # Without a purpose the record asks for one first (and shows nothing).
    page.goto(f"{site}/staff/people/{person_id}/")
    expect(page.locator("main")).not_to_contain_text("Kirchenallee")
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/{person_id}/register/?purpose=person_correction")
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/new/?purpose=person_correction")
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/{person_id}/papers/?purpose=person_correction")
    expect(page.locator("#document-heading")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/{person_id}/duplicates/?purpose=person_correction")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/{person_id}/correct/?purpose=person_correction")
    expect(page.locator("#id_family_name")).to_have_value("Nguyễn")
    assert_no_axe_violations(page)
    page.locator("#id_family_name").fill("Nguyễn 2")  # a digit: the error at the field
    page.locator("#id_reason").fill("Geburtsurkunde")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#id_family_name-error")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{site}/staff/people/{person_id}/death/?purpose=person_correction")
    assert_no_axe_violations(page)


def test_the_officer_reads_the_log_and_the_resident_sees_the_reads(site: str, page: Page) -> None:
    demo_staff_ensure()
    person_id = registered_person()
    sign_in(page, site, "clerk")
    page.goto(f"{site}/staff/people/{person_id}/?purpose=person_correction")
    page.context.clear_cookies()
    sign_in(page, site, "data-protection")
    page.goto(site + "/staff/access-log/")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    assert_no_axe_violations(page)

    page.context.clear_cookies()
    page.goto(site + "/my-data/")
    assert_no_axe_violations(page)
    tab_to(page, page.locator("#id_email"))
    page.keyboard.type("minh@")  # not an address: the error, the input kept
    tab_to(page, page.locator("main form button[type=submit]"))
    press_enter_and_wait(page, re.compile(r"/my-data/$"))
    expect(page.locator("main .error-summary")).to_be_visible()
    expect(page.locator("#id_email")).to_have_value("minh@")
    assert_no_axe_violations(page)

    token = my_data._seal({"p": person_id})
    page.goto(f"{site}/my-data/{token}/")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table")).to_contain_text("Sachbearbeitung")
    assert_no_axe_violations(page)
