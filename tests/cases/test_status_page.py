"""The applicant's status page: reference and secret in a form, a wrong secret answered exactly
like an unknown case, tries limited, the case opened for the session only (never the secret in
an address), each status in plain German and English, what is needed, the letters, the
timeline without notes or staff, and the expected decision date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from hamburg_service.accounts.models import Role
from hamburg_service.cases.models import Case, CaseStatus, Letter, LetterKind
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.lifecycle import OpenedCase, case_open
from hamburg_service.cases.status_page import SESSION_KEY, STATUS_TEXT, reference_normalise
from hamburg_service.core.actors import Actor
from hamburg_service.files.services import file_store_generated

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def uploads_root(settings, tmp_path):
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
def opened(case_types, desk) -> OpenedCase:
    """A case opened now (the page's clock is the real one), with its secret."""
    return case_open(
        case_type=case_types["residence-permit-extension"],
        applicant_name="Nguyễn Thị Minh Khai",
        channel="counter",
        actor=desk,
        applicant_email="minh.khai@example.org",
    )


def unlock(client: Client, reference: str, secret: str, prefix: str = "") -> object:
    return client.post(f"{prefix}/case-status/", {"reference": reference, "secret": secret})


def page_of(client: Client, opened: OpenedCase, prefix: str = "") -> str:
    answer = unlock(client, opened.case.reference, opened.secret, prefix)
    assert answer.status_code == 302, answer.content.decode()[:500]
    page = client.get(answer["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store" or "no-store" in page["Cache-Control"]
    return page.content.decode()


def test_the_form_in_both_languages():
    german = Client().get("/case-status/?reference=HS-2026-000001")
    english = Client().get("/en/case-status/")
    assert german.status_code == english.status_code == 200
    assert 'value="HS-2026-000001"' in german.content.decode()
    assert "Status of your application" in english.content.decode()
    assert '<html lang="de">' in german.content.decode()


def test_the_right_secret_opens_the_page_without_the_secret_in_any_address(opened):
    client = Client()
    # Typed loosely: lower case, spaces, without the zeros.
    number = int(opened.case.reference.rsplit("-", 1)[1])
    typed = f"hs 2026 {number}"
    secret = opened.secret.lower()[:5] + " " + opened.secret.lower()[5:]
    answer = unlock(client, typed, secret)
    assert answer.status_code == 302
    assert answer["Location"] == f"/case-status/{opened.case.reference}/"
    assert opened.secret not in answer["Location"]
    page = client.get(answer["Location"]).content.decode()
    assert opened.case.reference in page
    assert opened.secret not in page
    assert opened.secret not in str(dict(client.session))


def test_a_wrong_secret_answers_exactly_like_an_unknown_case(opened, django_assert_num_queries):
    known = opened.case.reference
    unknown = "HS-2026-999999"
    wrong = Client().post("/case-status/", {"reference": known, "secret": "ABCDE23456"})
    missing = Client().post("/case-status/", {"reference": unknown, "secret": "ABCDE23456"})
    assert wrong.status_code == missing.status_code == 422

    def body(answer: object, reference: str) -> str:
        text = CSRF.sub("", answer.content.decode())  # type: ignore[attr-defined]
        return text.replace(reference, "REFERENCE")

    assert body(wrong, known) == body(missing, unknown)
    assert "ABCDE23456" not in wrong.content.decode()  # the secret is not written back
    assert "Bitte vergleichen Sie beides mit Ihrer Eingangsbestätigung" in wrong.content.decode()
    # The same work: a lookup and a hash either way.
    with django_assert_num_queries(1) as wrong_queries:
        Client().post("/case-status/", {"reference": known, "secret": "ABCDE23456"})
    with django_assert_num_queries(1) as missing_queries:
        Client().post("/case-status/", {"reference": unknown, "secret": "ABCDE23456"})
    assert [q["sql"].split(" WHERE ")[0] for q in wrong_queries.captured_queries] == [
        q["sql"].split(" WHERE ")[0] for q in missing_queries.captured_queries
    ]


def test_without_a_grant_every_reference_goes_back_to_the_form_alike(opened):
    client = Client()
    mine = client.get(f"/case-status/{opened.case.reference}/")
    other = client.get("/case-status/HS-2026-999999/")
    assert mine.status_code == other.status_code == 302
    assert mine["Location"] == f"/case-status/?reference={opened.case.reference}"
    assert other["Location"] == "/case-status/?reference=HS-2026-999999"
    letter = client.get(f"/case-status/{opened.case.reference}/letters/BS-2026-000001/de/")
    assert letter.status_code == 302


def test_another_browser_and_an_expired_grant_see_nothing(opened):
    client = Client()
    page_of(client, opened)
    assert Client().get(f"/case-status/{opened.case.reference}/").status_code == 302
    session = client.session
    grants = session[SESSION_KEY]
    grants[opened.case.reference]["until"] = 0
    session[SESSION_KEY] = grants
    session.save()
    assert client.get(f"/case-status/{opened.case.reference}/").status_code == 302


def test_a_new_secret_ends_the_grant(opened):
    client = Client()
    page_of(client, opened)
    Case.objects.filter(pk=opened.case.pk).update(
        secret_hash=lifecycle.secret_hash(opened.case.reference, "NEWSECRET2")
    )
    assert client.get(f"/case-status/{opened.case.reference}/").status_code == 302


def test_leaving_ends_the_grant(opened):
    client = Client()
    page_of(client, opened)
    answer = client.post("/case-status/leave/")
    assert answer.status_code == 302
    assert client.get(f"/case-status/{opened.case.reference}/").status_code == 302


def test_tries_are_limited_per_reference_and_a_limited_try_opens_nothing(opened, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.CASE_STATUS_REFERENCE_RATE = "3/h"
    client = Client()
    for _i in range(3):
        assert unlock(client, opened.case.reference, "WRONG23456").status_code == 422
    limited = unlock(client, opened.case.reference, opened.secret)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert SESSION_KEY not in client.session
    # Another reference from another connection is not held up by it.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert unlock(other, "HS-2026-999999", "WRONG23456").status_code == 422


def test_tries_are_limited_per_connection(opened, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.CASE_STATUS_RATE = "2/10m"
    client = Client()
    assert unlock(client, "HS-2026-999991", "WRONG23456").status_code == 422
    assert unlock(client, "HS-2026-999992", "WRONG23456").status_code == 422
    assert unlock(client, opened.case.reference, opened.secret).status_code == 429


@pytest.mark.parametrize("status", list(CaseStatus))
def test_each_status_is_explained_in_german_and_english(opened, status):
    Case.objects.filter(pk=opened.case.pk).update(status=status)
    german = page_of(Client(), opened)
    english = page_of(Client(), opened, prefix="/en")
    title, meaning = STATUS_TEXT[status]
    with translation.override("de"):
        assert str(meaning) in german.replace("&#x27;", "'")
        assert str(title) in german
    with translation.override("en"):
        assert str(meaning) in english.replace("&#x27;", "'")
    assert '<html lang="en">' in english


def test_no_staff_names_notes_or_reasons_reach_the_page(opened, make_staff, case_types):
    user = make_staff(Role.CASEWORKER_IMMIGRATION, first_name="Brunhilde", last_name="Kaltenbach")
    from hamburg_service.cases.models import Skill

    Skill.objects.create(user=user, case_type=case_types["residence-permit-extension"])
    worker = Actor.staff(user)
    case = pool.case_next(actor=worker)
    assert case is not None
    lifecycle.case_note_add(case=case, text="Suspicious papers, check with LKA", actor=worker)
    lifecycle.case_transition(
        case=case,
        target=CaseStatus.WAITING_AUTHORITY,
        reason="Security query §73 at the Verfassungsschutz",
        actor=worker,
    )
    page = page_of(Client(), opened)
    for leak in ("Brunhilde", "Kaltenbach", "Suspicious", "LKA", "Verfassungsschutz", "§73"):
        assert leak not in page
    for leak in (user.username, "staff"):
        assert f">{leak}<" not in page
    # The steps themselves are there.
    with translation.override("de"):
        for status in (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.WAITING_AUTHORITY):
            assert str(STATUS_TEXT[status][0]) in page


def test_what_is_needed_with_the_deadline_and_the_upload_link(opened, caseworker):
    from hamburg_service.cases.services.requests import document_request_create

    worker = caseworker()
    case = pool.case_next(actor=worker)
    assert case is not None
    due = timezone.localdate() + dt.timedelta(days=14)
    _request, token = document_request_create(
        case=case,
        documents=["passport"],
        other=["Birth certificate of the child"],
        message="",
        due_on=due,
        actor=worker,
    )
    english = page_of(Client(), opened, prefix="/en")
    assert "Passport" in english
    assert "Birth certificate of the child" in english
    assert f'href="/en/case-upload/{token}/"' in english
    with translation.override("en"):
        from django.utils.formats import date_format

        assert date_format(due, "DATE_FORMAT") in english
    german = page_of(Client(), opened)
    assert f'href="/case-upload/{token}/"' in german


def _letter(case: Case, number: str, *, revoked: bool = False) -> Letter:
    stored = file_store_generated(
        data=b"%PDF-1.7\n% a decision\n",
        name=f"{number}.pdf",
        content_type="application/pdf",
        owner=f"case:{case.reference}",
        actor=Actor.system("test"),
        purpose="letter",
    )
    return Letter.objects.create(
        case=case,
        kind=LetterKind.DECISION,
        number=number,
        pdf=stored,
        issued_at=timezone.now(),
        revoked_at=timezone.now() if revoked else None,
    )


def test_letters_are_listed_and_downloaded_only_by_the_session_that_opened_the_case(
    opened, case_types, desk
):
    _letter(opened.case, "BS-2026-000101")
    _letter(opened.case, "BS-2026-000102", revoked=True)
    other = case_open(
        case_type=case_types["blue-card"], applicant_name="Other", channel="post", actor=desk
    )
    _letter(other.case, "BS-2026-000103")
    client = Client()
    page = page_of(client, opened)
    assert "BS-2026-000101" in page
    assert "BS-2026-000102" in page
    url = f"/case-status/{opened.case.reference}/letters/BS-2026-000101/de/"
    assert f'href="{url}"' in page
    assert "/letters/BS-2026-000102/" not in page  # revoked: listed, not offered
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Another case's letter through this case's grant, a revoked one, a missing translation.
    for path in (
        f"/case-status/{opened.case.reference}/letters/BS-2026-000103/de/",
        f"/case-status/{opened.case.reference}/letters/BS-2026-000102/de/",
        f"/case-status/{opened.case.reference}/letters/BS-2026-000101/en/",
    ):
        assert client.get(path).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_expected_date_without_history_says_it_is_the_service_norm(opened):
    page = page_of(Client(), opened, prefix="/en")
    assert "We expect to decide by" in page
    assert "This is the date our service norm aims for" in page


def test_the_expected_date_from_the_queue(opened, case_types):
    from .test_forecast import decided_history

    decided_history(
        case_types["residence-permit-extension"],
        per_day=2,
        after_taken=0,
        today=timezone.localdate(),
    )
    page = page_of(Client(), opened, prefix="/en")
    assert "We expect a decision" in page
    assert "0 applications of this kind are in line before yours." in page
    assert "Lately we have decided about 14 applications of this kind a week." in page


def test_reference_normalise():
    assert reference_normalise(" hs-2026-123 ") == "HS-2026-000123"
    assert reference_normalise("HS 2026 000123") == "HS-2026-000123"
    assert reference_normalise("HS2026000123") == "HS-2026-000123"
    assert reference_normalise("nonsense") == "NONSENSE"
