"""Issue 13's "Done when", in the browser: a resident signs in through the test OpenID Connect
provider (a real second process), fills the residence permit extension with uploads, pauses,
resumes on a second device by the resume link (signing in there again), submits, downloads
the provisional certificate from the account, receives a document request in the account,
answers it with an upload and sees the status change. Keyboard only on our pages (`tab_to`,
keys; a file is chosen with `set_input_files` after the keyboard reached its field, as there
is no file dialog in a headless browser); axe on every page of ours.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfWriter

from hamburg_service.accounts.demo import demo_staff_ensure
from hamburg_service.accounts.models import Citizen, User
from hamburg_service.cases.demo import case_types_ensure
from hamburg_service.cases.models import Case, CaseStatus, DocumentRequest, Letter, Skill
from hamburg_service.cases.services.pool import case_next
from hamburg_service.cases.services.requests import document_request_create
from hamburg_service.core.actors import Actor
from hamburg_service.forms.loading import definitions_load
from hamburg_service.forms.models import Submission
from hamburg_service.notifications import renderers
from hamburg_service.notifications.models import Message
from hamburg_service.people.checks import BirthDate, today_in_hamburg
from hamburg_service.people.services import identity, papers
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import choose_option, focused, is_focused, tab_to
from tests.support.oidc import PASSWORD, USERS, Provider, oidc_provider, oidc_settings

__all__ = ["oidc_provider", "oidc_settings"]  # fixtures used below

HIGH = USERS["high"]


@pytest.fixture(autouse=True)
def frozen_clock() -> None:
    """The real clock here (the browser folder freezes it to 2030): the provider is another
    process, and the ID tokens it signs now must not look expired to our side."""
    return None


@pytest.fixture
def uploads_root(settings, tmp_path: Path) -> Path:
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
def second_device(browser: Browser) -> Iterator[Page]:
    """Another browser: no cookies of the first (neither ours nor the provider's)."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def tiny_pdf(folder: Path, name: str) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    path = folder / f"{name}.pdf"
    path.write_bytes(out.getvalue())
    return path


def tiny_photo(folder: Path) -> Path:
    """A passport photo: a real JPEG (re-encoded by the upload check)."""
    path = folder / "photo.jpg"
    Image.new("RGB", (350, 450), (200, 180, 160)).save(path, format="JPEG")
    return path


def person_high() -> int:
    """The provider's "high" user as a person on the register, with a residence permit that
    ends in five weeks (the extension is filed in time: § 81 (4) AufenthG)."""
    clerk = Actor.staff(User.objects.get(username="clerk"))
    year, month, day = (int(p) for p in str(HIGH["birthdate"]).split("-"))
    person = identity.person_create(
        data=identity.PersonInput(
            family_name=str(HIGH["family_name"]),
            given_names=str(HIGH["given_name"]),
            sex="w",
            birth=BirthDate(year, month, day),
            birth_country="BRA",
            nationalities=("BRA",),
        ),
        actor=clerk,
    ).person
    until = today_in_hamburg(timezone.now()) + dt.timedelta(days=35)
    papers.title_record(
        person=person,
        kind="residence_permit",
        legal_basis="§ 18b AufenthG",
        valid_from=until - dt.timedelta(days=730),
        valid_until=until,
        actor=clerk,
    )
    return person.pk


def checked(page: Page) -> None:
    """The page has loaded and passes axe."""
    page.wait_for_load_state()
    assert_no_axe_violations(page)


def press_enter(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose_radio(page: Page, first: Locator, wanted: Locator, presses: int = 10) -> None:
    """Tab into a group of radio buttons (the focus lands on its first or checked one), then
    the arrow keys, which choose as they move."""
    tab_to(page, first)
    for _ in range(presses):
        if is_focused(wanted):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(wanted).to_be_checked()


def continue_step(page: Page) -> None:
    """ "Save and continue", by keyboard; fails with the page's errors if the step stays."""
    before = page.url
    tab_to(page, page.get_by_role("button", name="Speichern und weiter"), max_presses=120)
    press_enter(page)
    errors = page.locator(".error-summary, .field-error").all_inner_texts()
    assert page.url != before, f"the step was refused: {errors}"


def provider_sign_in(page: Page, username: str) -> None:
    """On the provider's login page (not ours: no axe), by keyboard."""
    page.wait_for_selector("#id_username")
    page.locator("#id_username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def sign_in_with_bundid(page: Page, site: str, back_to: re.Pattern[str]) -> None:
    """From a page that asks for sign-in: our sign-in page, the provider, back to `back_to`."""
    expect(page).to_have_url(re.compile(r"/account/sign-in/"))
    checked(page)
    tab_to(page, page.get_by_role("link", name="Mit BundID anmelden"))
    page.keyboard.press("Enter")
    provider_sign_in(page, "high")
    try:
        page.wait_for_url(back_to)
    except PlaywrightTimeout:
        raise AssertionError(f"{page.url}: {page.locator('main').inner_text()}") from None
    page.wait_for_load_state()


def resume_link(citizen_email: str) -> str:
    """The path of the resume link in the e-mail queued for the draft (as it is rendered)."""
    message = Message.objects.filter(template="forms/resume_link").latest("pk")
    assert message.recipient == citizen_email
    with translation.override(message.language):
        body = renderers.render(message.template, message.context).body
    found = re.search(r"https?://[^/\s]+(/(?:en/)?online/resume/[^\s/]+/)", body)
    assert found, body
    return found.group(1)


def test_an_extension_online_from_sign_in_to_answered_request(
    live_server,  # type: ignore[no-untyped-def]
    demo_city_live: None,
    page: Page,
    second_device: Page,
    oidc_settings: Provider,
    uploads_root: Path,
    tmp_path: Path,
) -> None:
    # The provider takes any port on 127.0.0.1 as the callback's (RFC 8252): our address too.
    site = live_server.url.replace("localhost", "127.0.0.1")
    demo_staff_ensure()
    case_types_ensure()
    definitions_load()
    person_id = person_high()

    # 1. The service's page asks for sign-in; BundID (trust level high) links the record.
    page.goto(f"{site}/online/residence-permit/")
    checked(page)
    tab_to(page, page.get_by_role("link", name="Anmelden und beginnen"))
    page.keyboard.press("Enter")
    sign_in_with_bundid(page, site, re.compile(r"/online/residence-permit/$"))
    checked(page)
    citizen = Citizen.objects.get(email=HIGH["email"])
    assert citizen.person_id == person_id

    # 2. The steps: an extension, in Hamburg.
    tab_to(page, page.get_by_role("button", name="Jetzt beginnen"))
    press_enter(page)
    checked(page)
    choose_radio(
        page, page.locator("input[name=kind]").first, page.locator("input[name=kind][value=extend]")
    )
    tab_to(page, page.locator("input[name=lives_in_hamburg][value=yes]"))
    page.keyboard.press("Space")
    continue_step(page)

    # Personal data: prefilled from the record, shown for confirmation.
    checked(page)
    expect(page.locator("input[name=family_name]")).to_have_value(str(HIGH["family_name"]))
    expect(page.locator("input[name=given_names]")).to_have_value(str(HIGH["given_name"]))
    type_into(page, page.locator("input[name=birth_place]"), "Recife")
    type_into(page, page.locator("input[name=nationality]"), "brasilianisch")
    continue_step(page)

    # The current title.
    checked(page)
    title_kind = page.locator("[name=title_kind]")
    if title_kind.first.evaluate("el => el.tagName") == "SELECT":
        tab_to(page, title_kind)
        choose_option(page, title_kind, "Aufenthaltserlaubnis")
    else:
        choose_radio(
            page, title_kind.first, page.locator("input[name=title_kind][value=residence_permit]")
        )
    type_into(page, page.locator("input[name=title_number]"), "Y12345678")
    valid_until = today_in_hamburg(timezone.now()) + dt.timedelta(days=35)
    type_into(page, page.locator("input[name='title_valid_until.day']"), str(valid_until.day))
    type_into(page, page.locator("input[name='title_valid_until.month']"), str(valid_until.month))
    type_into(page, page.locator("input[name='title_valid_until.year']"), str(valid_until.year))
    continue_step(page)

    # The purpose: employment, with the employer.
    checked(page)
    choose_radio(
        page,
        page.locator("input[name=purpose]").first,
        page.locator("input[name=purpose][value=employment]"),
    )
    # Without JavaScript the questions on the employer come up after saving the choice.
    tab_to(page, page.get_by_role("button", name="Speichern und weiter"))
    press_enter(page)
    expect(page.locator("[role=status]")).to_contain_text("weiteren Fragen")
    expect(page.locator(".field-error")).to_have_count(0)
    checked(page)
    type_into(page, page.locator("[name=employer_name]"), "Hafen Logistik GmbH")
    type_into(page, page.locator("[name=employer_address]"), "Am Sandtorkai 1, 20457 Hamburg")
    type_into(page, page.locator("[name=job_title]"), "Ingenieurin")
    continue_step(page)

    # Health insurance.
    checked(page)
    choose_radio(
        page,
        page.locator("input[name=insurance_kind]").first,
        page.locator("input[name=insurance_kind][value=statutory]"),
    )
    type_into(page, page.locator("[name=insurer]"), "Techniker Krankenkasse")
    continue_step(page)

    # The address in Hamburg.
    checked(page)
    type_into(page, page.locator("[name='address.street']"), "Mönckebergstraße")
    type_into(page, page.locator("[name='address.house_number']"), "7")
    type_into(page, page.locator("[name='address.postcode']"), "20095")
    type_into(page, page.locator("[name='address.city']"), "Hamburg")
    continue_step(page)

    # The documents: every required upload, then "finish later".
    checked(page)
    for key in ("passport", "photo", "employment_contract", "health_insurance", "rental_contract"):
        field = page.locator(f"input[type=file][name={key}]")
        tab_to(page, field, max_presses=120)
        chosen = tiny_photo(tmp_path) if key == "photo" else tiny_pdf(tmp_path, key)
        field.set_input_files(str(chosen))
    tab_to(page, page.get_by_role("button", name="Speichern und später fortsetzen"))
    press_enter(page)
    errors = page.locator(".error-summary, .field-error").all_inner_texts()
    assert "/later/" in page.url, f"the documents were refused: {errors}"

    # 3. Pause: the link by e-mail, to go on on another device.
    checked(page)
    email = page.locator("input[name=email]")
    expect(email).to_have_value(str(HIGH["email"]))
    tab_to(page, page.get_by_role("button", name="Link zusenden"))
    press_enter(page)
    expect(page.locator("[role=status]")).to_contain_text(str(HIGH["email"]))
    checked(page)
    link = resume_link(str(HIGH["email"]))

    # 4. The second device: the link asks for the same account, then the summary.
    device = second_device
    device.goto(f"{site}{link}")
    sign_in_with_bundid(device, site, re.compile(r"/online/draft/[^/]+/summary/$"))
    checked(device)
    expect(device.locator("main")).to_contain_text("Hafen Logistik GmbH")
    expect(device.locator("main")).to_contain_text("passport.pdf")
    tab_to(device, device.get_by_role("button", name="Antrag abschicken"), max_presses=200)
    press_enter(device)
    expect(device).to_have_url(re.compile(r"/online/receipt/"))
    checked(device)
    submission = Submission.objects.select_related("case").get(citizen=citizen)
    case = submission.case
    expect(device.locator("main")).to_contain_text(case.reference)
    assert case.case_type.slug == "residence-permit-extension"
    assert case.person_id == person_id
    assert case.citizen_id == citizen.pk

    # 5. The account: the application, and the provisional certificate to download.
    device.goto(f"{site}/account/")
    checked(device)
    tab_to(device, device.get_by_role("link", name=re.compile(case.reference)).first)
    press_enter(device)
    checked(device)
    certificate = Letter.objects.get(case=case, kind="provisional")
    link_name = re.compile("Fiktionsbescheinigung")
    tab_to(device, device.get_by_role("link", name=link_name).first, max_presses=120)
    with device.expect_download() as download_info:
        device.keyboard.press("Enter")
    downloaded = Path(download_info.value.path())
    assert downloaded.read_bytes().startswith(b"%PDF")
    assert certificate.number

    # 6. The caseworker asks for a document; the request is in the account's messages.
    worker = User.objects.get(username="caseworker-immigration")
    Skill.objects.create(user=worker, case_type=case.case_type)
    taken = case_next(actor=Actor.staff(worker))
    assert taken is not None
    assert taken.reference == case.reference
    request, _token = document_request_create(
        case=Case.objects.get(pk=case.pk),
        documents=["passport"],
        other=[],
        message="Bitte laden Sie eine lesbare Kopie aller Seiten Ihres Passes hoch.",
        due_on=today_in_hamburg(timezone.now()) + dt.timedelta(days=14),
        actor=Actor.staff(worker),
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.WAITING_APPLICANT
    device.goto(f"{site}/account/messages/")
    checked(device)
    expect(device.locator("main")).to_contain_text("lesbare Kopie")

    # 7. The answer, with an upload, from the application's page; the status changes.
    tab_to(device, device.get_by_role("link", name=re.compile(case.reference)).first)
    press_enter(device)
    checked(device)
    upload = device.locator("section[aria-labelledby=requests-heading] input[type=file]").first
    tab_to(device, upload, max_presses=120)
    upload.set_input_files(str(tiny_pdf(tmp_path, "passport-all-pages")))
    tab_to(device, device.get_by_role("button", name="Senden"), max_presses=20)
    press_enter(device)
    checked(device)
    request.refresh_from_db()
    assert request.answered_at is not None, focused(device)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW
    expect(device.locator("#status-heading")).not_to_contain_text("Warten")
    assert DocumentRequest.objects.filter(case=case).count() == 1
