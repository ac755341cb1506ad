"""Document requests and appointment offers in the browser, checked with axe: the caseworker
requests documents by keyboard from the case page; the applicant's upload page refuses a
renamed program and takes a PDF; the caseworker offers an appointment and the applicant
chooses a time by keyboard."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from hamburg_service.accounts.demo import demo_staff_ensure
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.cases.demo import case_types_ensure, demo_cases_ensure
from hamburg_service.cases.links import APPOINTMENT, UPLOAD, link_token
from hamburg_service.cases.models import AppointmentOffer, Case, CaseStatus, DocumentRequest
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import press_enter_and_wait, tab_to
from tests.browser.test_person_record import sign_in

REACH = 250  # Tab presses: the case page is long


def pdf_file(tmp_path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "reisepass.pdf"
    path.write_bytes(out.getvalue())
    return path


def program_named_pdf(tmp_path: Path) -> Path:
    program = shutil.which("true")
    assert program is not None
    path = tmp_path / "foto.pdf"
    path.write_bytes(Path(program).read_bytes())
    return path


def take_next_case(page: Page, site: str) -> str:
    demo_staff_ensure()
    case_types_ensure()
    demo_cases_ensure()
    sign_in(page, site, "caseworker-immigration")
    page.goto(site + "/staff/cases/")
    page.get_by_role("button", name="Nächster Fall").click()
    page.wait_for_url(re.compile(r"/staff/cases/HS-\d{4}-\d{6}/$"))
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_documents_requested_by_keyboard_and_uploaded(
    site: str, page: Page, tmp_path: Path, settings
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {
                **settings.STORAGES["uploads"]["OPTIONS"],
                "location": tmp_path / "uploads",
            },
        },
    }
    reference = take_next_case(page, site)
    assert_no_axe_violations(page)
    first_box = page.locator("input[name='q-documents']").first
    tab_to(page, first_box, max_presses=REACH)
    page.keyboard.press("Space")
    tab_to(page, page.locator("#id_q-other"), max_presses=10)
    page.keyboard.type("Geburtsurkunde")
    button = page.locator("form[action$='/request/'] button[type=submit]")
    tab_to(page, button, max_presses=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = Case.objects.get(reference=reference)
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert_no_axe_violations(page)  # the case page again, or the letter to post

    asked = DocumentRequest.objects.get(case=case)
    upload = site + f"/case-upload/{link_token(asked.link_nonce, UPLOAD)}/"
    page.goto(upload)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("Unterlagen hochladen|Upload documents"))
    assert_no_axe_violations(page)
    inputs = page.locator("input[type=file]")
    inputs.nth(0).set_input_files(str(program_named_pdf(tmp_path)))
    inputs.nth(1).set_input_files(str(pdf_file(tmp_path)))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)  # the refusal, the accepted file listed as kept
    # The rest, and "that is all I can send".
    page.locator("input[name='finish']").check()
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    assert_no_axe_violations(page)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


def test_an_appointment_offered_and_chosen_by_keyboard(site: str, page: Page) -> None:
    reference = take_next_case(page, site)
    purpose = page.locator("#id_o-purpose")
    tab_to(page, purpose, max_presses=REACH)
    page.keyboard.type("Fingerabdrücke und Foto")
    button = page.locator("form[action$='/offer/'] button[type=submit]")
    tab_to(page, button, max_presses=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_no_axe_violations(page)
    offer = AppointmentOffer.objects.get(case__reference=reference)
    page.goto(site + f"/case-appointment/{link_token(offer.link_nonce, APPOINTMENT)}/")
    assert_no_axe_violations(page)
    first_time = page.locator("input[name='time']").first
    tab_to(page, first_time, max_presses=40)
    page.keyboard.press("Space")
    tab_to(page, page.locator("#main form[method=post] button[type=submit]"), max_presses=200)
    press_enter_and_wait(page, re.compile(r"/appointments/manage/"))
    assert_no_axe_violations(page)
    appointment = Appointment.objects.get(channel=Channel.CASE)
    offer.refresh_from_db()
    assert offer.appointment_id == appointment.pk
