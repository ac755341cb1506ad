"""The public verification page of registration certificates, by keyboard only, in German and
English: a wrong code shows the error (and nothing of the certificate), the right one the
certificate; the QR code's text pasted with its spaces verifies, an altered one does not. axe
finds nothing in any of these states."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import Page, expect

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.core.actors import Actor
from hamburg_service.core.signing import base45_decode, base45_encode
from hamburg_service.people import certificates
from hamburg_service.people.access import Purpose
from hamburg_service.people.checks import Address, BirthDate
from hamburg_service.people.services import identity, residences

from .conftest import assert_no_axe_violations
from .test_visits_flow import tab_to


@pytest.fixture
def issued(transactional_db: None) -> certificates.IssuedCertificate:
    """A registration certificate of Çağlar Ğüneş-Ørsted, committed for the live server."""
    user = User.objects.create_user(username="clerk", password="a-long-test-password")
    RoleAssignment.objects.create(user=user, role=Role.CLERK)
    clerk = Actor.staff(user)
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Ğüneş-Ørsted",
            given_names="Çağlar",
            sex="d",
            birth=BirthDate(1990, 4, 17),
            nationalities=("TUR",),
        ),
        actor=clerk,
    ).person
    residences.residence_register(
        person=person,
        address=Address(street="Bramfelder Chaussee", house_number="230a", postcode="22177"),
        moved_in_on=dt.date(2029, 3, 1),
        actor=clerk,
    )

    def issue() -> certificates.IssuedCertificate:
        try:
            return certificates.certificate_issue(
                actor=clerk, person_id=person.pk, purpose=Purpose.of("person_correction")
            )
        finally:
            connections.close_all()

    # pyHanko signs with asyncio.run(), which cannot run in this thread: Playwright's event
    # loop runs here. A thread of its own, as a web server's worker would be.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(issue).result()


def test_checking_a_certificate_by_keyboard_in_german(
    live_server, page: Page, issued: certificates.IssuedCertificate
) -> None:  # type: ignore[no-untyped-def]
    number = issued.certificate.number
    page.goto(f"{live_server.url}/verify/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_no_axe_violations(page)

    tab_to(page, page.locator("#id_number"))
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    wrong = issued.code[:-1] + ("2" if issued.code[-1] != "2" else "3")
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    problem = page.locator("#problem")
    expect(problem).to_be_visible()
    expect(problem).to_have_attribute("role", "alert")
    expect(page.locator("#result")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Ğüneş")
    expect(page.locator("#id_number")).to_have_value(number)  # nothing entered is lost
    assert page.title().startswith("Fehler")
    assert_no_axe_violations(page)

    tab_to(page, page.locator("#id_code"))
    page.keyboard.press("Control+A")
    page.keyboard.type(certificates.code_display(issued.code).lower())
    page.keyboard.press("Enter")
    result = page.locator("#result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("Ğüneş-Ørsted")
    expect(result).to_contain_text("17.04.1990")
    expect(result).to_contain_text("Bramfelder Chaussee 230a, 22177 Hamburg")
    expect(page.locator("#problem")).to_have_count(0)
    assert_no_axe_violations(page)


def test_checking_the_qr_codes_text_by_keyboard_in_english(
    live_server, page: Page, issued: certificates.IssuedCertificate, settings
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/en/verify/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Check a registration certificate")
    expect(page.get_by_role("link", name="the public keys (JWK Set)")).to_have_attribute(
        "href", "/.well-known/hamburg-service-keys.json"
    )

    # Altered: one bit of the signed data changed.
    raw = bytearray(base45_decode(issued.payload[5:]))
    raw[30] ^= 0x02
    tab_to(page, page.locator("#id_payload"))
    page.keyboard.insert_text("HHS1:" + base45_encode(bytes(raw)))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    problem = page.locator("#problem")
    expect(problem).to_contain_text("This certificate is not valid.")
    expect(problem).to_contain_text("its signature does not match")
    expect(page.locator("#result")).to_have_count(0)
    assert page.title().startswith("Error")
    assert_no_axe_violations(page)

    tab_to(page, page.locator("#id_payload"))
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(issued.payload + "\n")  # as a scanner app hands it over
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    result = page.locator("#result")
    expect(result).to_contain_text("Genuine")
    expect(result).to_contain_text("17 April 1990")
    expect(result).to_contain_text("has not been revoked")
    assert_no_axe_violations(page)

    # Too many checks: the page says so in English, with the form still there.
    page.goto(f"{live_server.url}/en/verify/")
    tab_to(page, page.locator("#id_number"))
    page.keyboard.type(issued.certificate.number)
    page.keyboard.press("Tab")
    page.keyboard.type("ZZZZZZZZZZ")
    settings.RATE_LIMITS_ENABLED = True
    settings.CERTIFICATE_VERIFY_NUMBER_RATE = "0/h"
    page.keyboard.press("Enter")
    expect(page.locator("#problem")).to_contain_text("checked too often")
    expect(page.locator("#id_number")).to_have_value(issued.certificate.number)
    assert_no_axe_violations(page)


def test_a_clerk_issues_and_revokes_by_keyboard(
    live_server, page: Page, issued: certificates.IssuedCertificate
) -> None:  # type: ignore[no-untyped-def]
    """The person page's certificates: listed, issued by keyboard (the PDF is downloaded), and
    revoked with a reason on a page of its own; axe finds nothing."""
    client = Client()
    client.force_login(User.objects.get(username="clerk"))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    person_id = issued.certificate.person_id
    page.goto(f"{live_server.url}/staff/people/{person_id}/?purpose=person_ticket&reference=A1")
    expect(page.locator("#certificates")).to_be_visible()
    expect(page.locator("table").filter(has_text=issued.certificate.number)).to_be_visible()
    assert_no_axe_violations(page)

    tab_to(page, page.locator("#certificate-language"))
    page.keyboard.press("ArrowDown")  # English
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # with the secondary residences: there are none, still fine
    button = page.get_by_role("button", name="Meldebescheinigung ausstellen (PDF)").or_(
        page.get_by_role("button", name="Issue a registration certificate (PDF)")
    )
    tab_to(page, button)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.value.suggested_filename.startswith("meldebescheinigung-MB-")

    page.reload()
    rows = page.locator("#certificates + table tbody tr")
    expect(rows).to_have_count(2)
    revoke = page.locator(f'a[href*="/certificates/{issued.certificate.pk}/revoke/"]')
    tab_to(page, revoke)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(issued.certificate.number)
    assert_no_axe_violations(page)
    # Nothing typed: the form asks for the reason.
    tab_to(page, page.locator("form button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)
    tab_to(page, page.locator("#id_reason"))
    page.keyboard.type("Bescheinigung verloren")
    tab_to(page, page.locator("form button[type=submit]"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        f"{live_server.url}/staff/people/{person_id}/?purpose=person_ticket&reference=A1"
    )
    expect(page.locator("#certificates + table")).to_contain_text("Bescheinigung verloren")
