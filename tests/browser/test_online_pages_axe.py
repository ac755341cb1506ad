"""Every page of the online services that the extension walk (test_online_extension.py) does
not visit, checked with axe: the list of services, a start page, a step with its errors (sent
by keyboard), an exit page, "finish later", a summary and a receipt; each page of "my
account"; the staff's figures, hand-offs and the case page with the application's answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from hamburg_service.accounts.demo import demo_staff_ensure
from hamburg_service.accounts.models import Citizen
from hamburg_service.cases.demo import case_types_ensure
from hamburg_service.forms.loading import definitions_load
from hamburg_service.forms.models import Handoff, HandoffState, Submission
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_booking_flow import tab_to
from tests.browser.test_person_record import sign_in
from tests.forms.submission_support import address_parts, date_parts, pdf_upload, submit, walk

OWNER = {
    "family_name": "Hoffmann",
    "given_names": "Heike",
    **date_parts("birth", "1975-06-12"),
    "email": "heike.hoffmann@example.org",
    **address_parts("address", "Kirchenallee", "1", "20099"),
}
DOG = {
    "dog_name": "Bello",
    "breed": "labrador_retriever",
    "sex": "male",
    **date_parts("dog_birth", "2021-05"),
    "chip": "276098106060123",
    **date_parts("kept_since", "2022-01-10"),
}


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


def browser_with(browser: Browser, site: str, client: Client) -> Page:
    """A browser that carries the session of `client` (the test client signed in or filled
    a draft in the same database)."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    return context.new_page()


def checked(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    assert_no_axe_violations(page)


def test_the_other_pages_of_the_online_services_pass_axe(
    site: str, page: Page, browser: Browser, uploads_root: Path
) -> None:
    demo_staff_ensure()
    case_types_ensure()
    definitions_load()

    # A resident with an account submits a dog registration and leaves another one at the
    # dangerous-breed exit (through the test client: the pages are what is checked here).
    citizen = Citizen.objects.create(
        public_id="00000000-0000-4000-8000-000000000001",
        email="heike.hoffmann@example.org",
        email_key="heike.hoffmann@example.org",
        created_at="2026-01-01T10:00:00Z",
    )
    client = Client()
    session = client.session
    session["citizen"] = {"id": citizen.pk, "trust": "basic"}
    session.save()
    draft = walk(
        client,
        "dog-registration",
        [
            ("owner", OWNER),
            ("dog", DOG),
            (
                "insurance",
                {
                    "insurer": "Hanse Versicherung",
                    "policy_number": "HV-123/456",
                    "liability_insurance": pdf_upload("versicherung.pdf"),
                },
            ),
            ("fee", {"fee_accepted": "on"}),
        ],
    )
    resident = browser_with(browser, site, client)
    checked(resident, f"{site}/online/draft/{draft.public_id}/summary/")
    assert submit(client, draft).status_code == 302
    submission = Submission.objects.select_related("case").get(draft=draft)
    case = submission.case
    checked(resident, f"{site}/online/receipt/{submission.public_id}/")
    stopped = walk(client, "dog-registration", [("owner", OWNER)])
    stopped.refresh_from_db()
    answer = client.post(
        f"/online/draft/{stopped.public_id}/dog/",
        {"revision": str(stopped.revision), **DOG, "breed": "pitbull_terrier"},
    )
    assert answer.status_code == 302
    checked(resident, f"{site}{answer['Location']}")  # the exit page
    for path in (
        "/account/",
        "/account/applications/",
        f"/account/applications/{case.reference}/",
        "/account/drafts/",
        "/account/documents/",
        "/account/messages/",
        "/account/appointments/",
        "/account/my-data/",
        "/account/link/",
        "/en/account/",
    ):
        checked(resident, f"{site}{path}")

    # Anybody: the list, a start page, a step refused (sent by keyboard), "finish later".
    checked(page, f"{site}/online/")
    checked(page, f"{site}/online/dog-registration/")
    tab_to(page, page.get_by_role("button", name="Jetzt beginnen"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Speichern und weiter"), max_presses=120)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    tab_to(page, page.get_by_role("button", name="Speichern und später fortsetzen"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if "/later/" not in page.url:  # an empty step is not saved: the errors again
        page.goto(re.sub(r"/owner/$", "/later/", page.url))
    assert_no_axe_violations(page)

    # Staff: the answers on the case page, the figures, the hand-offs.
    # The dog register's mailbox took it; a webhook of the same application that kept failing
    # is what leads see there.
    Handoff.objects.create(
        submission=submission,
        kind="webhook",
        target="https://register.example/hook",
        state=HandoffState.FAILED,
        attempts=6,
        last_error="HTTP 503",
        created_at=submission.submitted_at,
    )
    for username, path, shows in (
        ("caseworker-registration", f"/staff/cases/{case.reference}/", "Bello"),
        ("team-lead", "/staff/online/", "Hund"),
        ("location-lead", "/staff/online/handoffs/", case.reference),
    ):
        staff = browser.new_context(locale="de-DE", bypass_csp=True).new_page()
        sign_in(staff, site, username)
        checked(staff, f"{site}{path}")
        expect(staff.locator("main")).to_contain_text(shows)
        staff.context.close()
