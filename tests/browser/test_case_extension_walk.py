"""Issue 12's walk, end to end in the browser: an extension of a residence permit from receipt
at the counter to closed.

A clerk opens the person's record for a ticket and opens the case from it (the provisional
certificate is issued at once); the applicant follows it on the status page and downloads the
certificate; the caseworker takes the case, requests the documents; the applicant uploads them
by the link in the e-mail; the caseworker approves with a reason template and the title's end
(the letter is issued, the title is on the record), offers an appointment for the card, which
the applicant books, and moves the case through production and pick-up to closed. The staff
pages are worked with the keyboard only (`tab_to`, keys); every page, staff and public, is
checked with axe; the status page shows each step and the expected date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfWriter

from hamburg_service.accounts.demo import demo_staff_ensure
from hamburg_service.accounts.models import User
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.cases.demo import case_types_ensure
from hamburg_service.cases.models import (
    AppointmentOffer,
    Case,
    CaseStatus,
    CaseType,
    DocumentRequest,
    Letter,
    Skill,
)
from hamburg_service.core.actors import Actor
from hamburg_service.notifications import renderers
from hamburg_service.notifications.models import Message
from hamburg_service.people.checks import BirthDate, today_in_hamburg
from hamburg_service.people.models import ResidenceTitle
from hamburg_service.people.services import identity, papers
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import focused, is_focused, press_enter_and_wait, tab_to
from tests.browser.test_person_record import sign_in

CASE_TYPE = "Verlängerung der Aufenthaltserlaubnis"
EMAIL = "caglar@example.org"
TICKET = "A-017"
REACH = 300  # Tab presses: the case page is long
# A date as the German pages write it ("3. März 2030"); also matched by the browser's
# JavaScript regular expressions, whose \w knows no umlauts.
DATE = r"\d{1,2}\. [^\s\d.]+ \d{4}"


@pytest.fixture
def uploads_root(settings, tmp_path: Path) -> Path:
    """Uploads and letters go to a directory of the test's own (the live server too)."""
    root = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {**settings.STORAGES["uploads"]["OPTIONS"], "location": root},
        },
    }
    return root


@pytest.fixture
def applicant(browser: Browser) -> Iterator[Page]:
    """The applicant's own browser (no staff session), beside the staff's."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def caseworker(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def person_with_title(until: dt.date) -> int:
    """Çağlar Ğüneş-Ørsted with a residence permit still valid until `until`."""
    clerk = Actor.staff(User.objects.get(username="clerk"))
    person = identity.person_create(
        data=identity.PersonInput(
            family_name="Ğüneş-Ørsted",
            given_names="Çağlar",
            sex="m",
            birth=BirthDate(1990, 4, 17),
            birth_country="TUR",
            nationalities=("TUR",),
        ),
        actor=clerk,
    ).person
    papers.title_record(
        person=person,
        kind="residence_permit",
        legal_basis="§ 18b AufenthG",
        valid_from=until - dt.timedelta(days=730),
        valid_until=until,
        actor=clerk,
    )
    return person.pk


def choose_value(page: Page, select: Locator, value: str, max_presses: int = 60) -> None:
    """Select the option with `value` of a focused <select> with the arrow keys (the labels
    are lower-case status names, matched more robustly by value)."""
    assert is_focused(select), focused(page)
    for _ in range(max_presses):
        if select.evaluate("el => el.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} not reached with {max_presses} ArrowDown presses")


def type_date(page: Page, field: Locator, day: dt.date) -> None:
    """Type a day into a focused <input type=date>, segment by segment, as a keyboard user
    does. The order of the segments follows the browser's language, not the page's: day
    first (German) or month first (headless Chromium's English), whichever the field takes."""
    for order in ("%d%m%Y", "%m%d%Y"):
        assert is_focused(field), focused(page)
        page.keyboard.type(day.strftime(order))
        if field.input_value() == day.isoformat():
            return
        for _ in range(3):  # back to the first part; typing there overwrites
            page.keyboard.press("ArrowLeft")
    expect(field).to_have_value(day.isoformat())


def tiny_pdf(folder: Path, name: str) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    path = folder / f"{name}.pdf"
    path.write_bytes(out.getvalue())
    return path


def link_in_outbox(template: str, reference: str, kind: str) -> str:
    """The link of the e-mail queued for the case (rendered as it is when sent), as a path."""
    message = Message.objects.get(template=template, about=f"case:{reference}")
    assert message.recipient == EMAIL
    with translation.override(message.language):
        body = renderers.render(message.template, message.context).body
    found = re.search(rf"https?://[^/\s]+(/(?:en/)?case-{kind}/[\w=-]+/)", body)
    assert found, body
    return found.group(1)


def enter_and_back_to(page: Page, reference: str) -> None:
    """Press Enter on a focused button of the case page's forms; back on the case page (the
    same address: wait for the navigation itself)."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/staff/cases/{reference}/$"))


def page_errors(page: Page) -> str:
    """The page's error messages, for a failure's message."""
    return " | ".join(page.locator(".error-summary, .field-error").all_inner_texts())


def steps_of(page: Page) -> list[str]:
    return [
        text.split(": ", 1)[1]
        for text in page.locator("section[aria-labelledby=steps-heading] li").all_inner_texts()
    ]


def status_heading(page: Page) -> Locator:
    return page.locator("#status-heading")


def change_status(page: Page, reference: str, target: str) -> None:
    """On the case page: the new status from the select, submitted, all by keyboard."""
    select = page.locator("#id_t-status")
    tab_to(page, select, max_presses=REACH)
    choose_value(page, select, target)
    tab_to(page, page.get_by_role("button", name="Status ändern"), max_presses=10)
    enter_and_back_to(page, reference)
    expect(page.locator(".messages")).to_contain_text(re.compile("Gespeichert|Saved"))
    assert Case.objects.get(reference=reference).status == target
    assert_no_axe_violations(page)


def test_an_extension_from_the_counter_to_closed(
    site: str, page: Page, applicant: Page, caseworker: Page, uploads_root: Path, tmp_path: Path
) -> None:
    # 1. Set-up: staff, case types, the caseworker's skill, a person whose permit ends in
    # three weeks.
    demo_staff_ensure()
    case_types_ensure()
    extension = CaseType.objects.get(slug="residence-permit-extension")
    Skill.objects.create(
        user=User.objects.get(username="caseworker-immigration"), case_type=extension
    )
    today = today_in_hamburg(timezone.now())
    person_id = person_with_title(today + dt.timedelta(days=21))

    # 2. The clerk at the counter: the record for a ticket, "Open a case for this person".
    sign_in(page, site, "clerk")
    assert_no_axe_violations(page)  # the staff area's start page
    page.goto(f"{site}/staff/people/{person_id}/")
    assert_no_axe_violations(page)  # the purpose is asked first
    purpose = page.locator("#id_purpose")
    tab_to(page, purpose)
    choose_value(page, purpose, "person_ticket")
    tab_to(page, page.locator("#id_reference"), max_presses=5)
    page.keyboard.type(TICKET)
    tab_to(page, page.locator("main form button[type=submit]"), max_presses=5)
    press_enter_and_wait(page, re.compile(rf"/staff/people/{person_id}/\?.*purpose=person_ticket"))
    expect(page.locator("h1")).to_contain_text("Ğüneş-Ørsted")
    assert_no_axe_violations(page)

    tab_to(page, page.get_by_role("link", name="Einen Fall für diese Person anlegen"), REACH)
    press_enter_and_wait(page, re.compile(rf"/staff/cases/new/\?person={person_id}&"))
    expect(page.locator("#id_applicant_name")).to_have_value("Çağlar Ğüneş-Ørsted")
    assert_no_axe_violations(page)
    case_type = page.locator("#id_case_type")
    tab_to(page, case_type)
    choose_value(page, case_type, str(extension.pk))
    expect(case_type.locator("option:checked")).to_have_text(CASE_TYPE)
    tab_to(page, page.locator("#id_applicant_email"), max_presses=5)
    page.keyboard.type(EMAIL)
    channel = page.locator("#id_channel")
    tab_to(page, channel, max_presses=5)
    choose_value(page, channel, "counter")
    tab_to(page, page.get_by_role("button", name="Fall anlegen"), max_presses=10)
    with page.expect_navigation():  # the receipt, at the same address
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(re.compile(r"HS-\d{4}-\d{6}"))
    assert_no_axe_violations(page)
    receipt = page.locator("main dl dd strong")
    reference, secret = receipt.nth(0).inner_text(), receipt.nth(1).inner_text()
    assert re.fullmatch(r"HS-\d{4}-\d{6}", reference), reference
    assert len(secret) == 10, secret
    case = Case.objects.get(reference=reference)
    assert case.person_id == person_id
    assert case.channel == "counter"
    assert case.applicant_email == EMAIL
    certificate = Letter.objects.get(case=case, kind="provisional")
    assert certificate.number.startswith("FB-")

    # 3. The applicant: the status page with the reference and the secret from the receipt.
    applicant.goto(site + "/case-status/")
    assert_no_axe_violations(applicant)
    applicant.locator("#id_reference").fill(reference)
    applicant.locator("#id_secret").fill(secret)
    with applicant.expect_navigation():
        applicant.locator("main form button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(rf"/case-status/{reference}/$"))
    expect(status_heading(applicant)).to_contain_text("Eingegangen")
    expect(applicant.locator("section[aria-labelledby=forecast-heading]")).to_contain_text(
        re.compile(DATE)
    )
    letters = applicant.locator("section[aria-labelledby=letters-heading]")
    expect(letters).to_contain_text(certificate.number)
    assert steps_of(applicant) == ["Eingegangen", "Fiktionsbescheinigung ausgestellt"]
    assert_no_axe_violations(applicant)
    download = letters.locator("a[hreflang=de]").first.get_attribute("href")
    assert download is not None
    answer = applicant.context.request.get(site + download)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")

    # 4. The caseworker: My cases, Next case, the case page; the documents requested.
    sign_in(caseworker, site, "caseworker-immigration")
    assert_no_axe_violations(caseworker)
    tab_to(caseworker, caseworker.locator("main a[href='/staff/cases/']"))
    press_enter_and_wait(caseworker, re.compile(r"/staff/cases/$"))
    assert_no_axe_violations(caseworker)
    tab_to(caseworker, caseworker.get_by_role("button", name="Nächster Fall"))
    enter_and_back_to(caseworker, reference)
    letters_panel = caseworker.locator("section[aria-labelledby=letters-heading]")
    expect(letters_panel).to_contain_text(certificate.number)  # the certificate in force
    assert_no_axe_violations(caseworker)
    boxes = caseworker.locator("input[name='q-documents']")
    expect(boxes).to_have_count(len(extension.required_documents))
    tab_to(caseworker, boxes.first, max_presses=REACH)
    for index in range(boxes.count()):
        if index:
            tab_to(caseworker, boxes.nth(index), max_presses=3)
        caseworker.keyboard.press("Space")
        expect(boxes.nth(index)).to_be_checked()
    due = caseworker.locator("#id_q-due_on")
    expect(due).to_have_value((today + dt.timedelta(days=14)).isoformat())  # in two weeks
    tab_to(caseworker, caseworker.get_by_role("button", name="Unterlagen anfordern"), 10)
    enter_and_back_to(caseworker, reference)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert case.suspended_since == today
    expect(caseworker.get_by_text("Uhr gehemmt seit")).to_be_visible()
    assert_no_axe_violations(caseworker)

    # 5. The applicant: waiting for them; the link from the e-mail; a PDF per document.
    applicant.reload()
    expect(status_heading(applicant)).to_contain_text("Wartet auf Sie")
    forecast = applicant.locator("section[aria-labelledby=forecast-heading]")
    expect(forecast).to_contain_text(re.compile(DATE))
    expect(forecast).to_contain_text(re.compile("verschiebt sich dieses Datum|moves later"))
    assert_no_axe_violations(applicant)
    upload = link_in_outbox("cases/document_request", reference, "upload")
    expect(applicant.get_by_role("link", name="Unterlagen hochladen")).to_have_attribute(
        "href", upload
    )
    applicant.goto(site + upload)
    assert_no_axe_violations(applicant)
    inputs = applicant.locator("main form input[type=file]")
    expect(inputs).to_have_count(len(extension.required_documents))
    for index, item in enumerate(extension.required_documents):
        inputs.nth(index).set_input_files(str(tiny_pdf(tmp_path, item["key"])))
    with applicant.expect_navigation():
        applicant.locator("main form button[type=submit]").click()
    expect(applicant.locator("h1")).to_have_text("Vielen Dank")
    assert_no_axe_violations(applicant)
    assert DocumentRequest.objects.get(case=case).answered_at is not None
    applicant.goto(f"{site}/case-status/{reference}/")
    expect(status_heading(applicant)).to_contain_text("In Bearbeitung")
    expect(applicant.locator("section[aria-labelledby=forecast-heading]")).to_contain_text(
        re.compile(DATE)
    )
    assert_no_axe_violations(applicant)

    # 6. The caseworker decides: approved, a reason template, the title's end; the letter.
    caseworker.reload()
    expect(caseworker.locator("section[aria-labelledby=requests-heading]")).to_contain_text(
        "passport.pdf"
    )
    approved = caseworker.locator("input[name='d-outcome'][value=approved]")
    tab_to(caseworker, approved, max_presses=REACH)
    caseworker.keyboard.press("Space")
    expect(approved).to_be_checked()
    reason = caseworker.locator("#id_d-reason_keys_requirements-met")
    tab_to(caseworker, reason, max_presses=10)
    caseworker.keyboard.press("Space")
    expect(reason).to_be_checked()
    valid_until = dt.date(today.year + 2, 1, 31)
    tab_to(caseworker, caseworker.locator("#id_d-valid_until"), max_presses=20)
    type_date(caseworker, caseworker.locator("#id_d-valid_until"), valid_until)
    # The extension type names no legal basis of its own: the caseworker gives the title's.
    tab_to(caseworker, caseworker.locator("#id_d-legal_basis"), max_presses=5)
    caseworker.keyboard.type("§ 18b AufenthG")
    tab_to(caseworker, caseworker.get_by_role("button", name="Entscheidung erfassen"), 10)
    enter_and_back_to(caseworker, reference)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED, page_errors(caseworker)
    assert case.outcome == "approved"
    decision = Letter.objects.get(case=case, kind="decision")
    expect(letters_panel).to_contain_text(decision.number)
    assert_no_axe_violations(caseworker)
    assert decision.title_id is not None
    title = ResidenceTitle.objects.get(pk=decision.title_id)
    assert (title.person_id, title.kind, title.legal_basis, title.valid_until) == (
        person_id,
        "residence_permit",
        "§ 18b AufenthG",
        valid_until,
    )
    # The title on the person's record, opened from the case (logged with it as purpose).
    tab_to(caseworker, caseworker.locator(f"main a[href^='/staff/people/{person_id}/']"), REACH)
    press_enter_and_wait(caseworker, re.compile(rf"/staff/people/{person_id}/\?"))
    expect(caseworker.locator("main")).to_contain_text(
        f"{today:%-d.%-m.%Y}–{valid_until:%-d.%-m.%Y}"
    )
    assert_no_axe_violations(caseworker)
    caseworker.go_back()
    caseworker.wait_for_url(re.compile(rf"/staff/cases/{reference}/$"))

    # 7. An appointment for the card: offered by keyboard, booked by the applicant.
    tab_to(caseworker, caseworker.locator("#id_o-purpose"), max_presses=REACH)
    caseworker.keyboard.type("Übergabe des elektronischen Aufenthaltstitels")
    tab_to(caseworker, caseworker.get_by_role("button", name="Termin anbieten"), 10)
    enter_and_back_to(caseworker, reference)
    offer = AppointmentOffer.objects.get(case=case)
    expect(caseworker.locator("section[aria-labelledby=offers-heading]")).to_contain_text(
        "Übergabe des elektronischen Aufenthaltstitels"
    )
    assert_no_axe_violations(caseworker)

    choose = link_in_outbox("cases/appointment_offer", reference, "appointment")
    applicant.goto(site + choose)
    assert_no_axe_violations(applicant)
    applicant.locator("input[name='time']").first.check()
    with applicant.expect_navigation():
        applicant.locator("main form[method=post] button[type=submit]").click()
    expect(applicant).to_have_url(re.compile(r"/appointments/manage/"))
    assert_no_axe_violations(applicant)
    offer.refresh_from_db()
    assert offer.appointment_id is not None
    booked = Appointment.objects.get(pk=offer.appointment_id)
    assert booked.channel == Channel.CASE

    # 8. Production, pick-up, closed; the caseworker's page shows the booking.
    caseworker.reload()
    expect(caseworker.locator("section[aria-labelledby=offers-heading]")).to_contain_text(
        booked.reference
    )
    for target in (CaseStatus.IN_PRODUCTION, CaseStatus.READY_FOR_PICKUP, CaseStatus.CLOSED):
        change_status(caseworker, reference, target)

    # The applicant's page: completed, every step with its day.
    applicant.goto(f"{site}/case-status/{reference}/")
    expect(status_heading(applicant)).to_contain_text("Erledigt")
    expect(applicant.locator("section[aria-labelledby=status-heading]")).to_contain_text(
        re.compile(rf"Entschieden am {DATE}")
    )
    assert steps_of(applicant) == [
        "Eingegangen",
        "Fiktionsbescheinigung ausgestellt",
        "In Bearbeitung",
        "Wartet auf Sie",
        "Unterlagen bei Ihnen angefordert",
        "Unterlagen eingegangen",
        "In Bearbeitung",
        "Entschieden",
        "Schreiben erstellt",
        "Termin angeboten",
        "Termin gebucht",
        "Dokument in Herstellung",
        "Zur Abholung bereit",
        "Erledigt",
    ]
    days = applicant.locator("section[aria-labelledby=steps-heading] li time")
    assert set(days.evaluate_all("els => els.map(e => e.dateTime)")) == {today.isoformat()}
    letters = applicant.locator("section[aria-labelledby=letters-heading]")
    expect(letters).to_contain_text(decision.number)
    expect(letters).to_contain_text(certificate.number)  # ended by the decision, still listed
    assert_no_axe_violations(applicant)
    decision_pdf = letters.locator("li", has_text=decision.number).locator("a[hreflang=en]")
    answer = applicant.context.request.get(site + str(decision_pdf.get_attribute("href")))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")
