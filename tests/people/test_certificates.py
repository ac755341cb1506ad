"""Registration certificates (Meldebescheinigung, § 18 BMG): issued by clerks from the person
page as a signed, tagged PDF with a signed QR code and a verification code; verified by anyone
on /verify/ — by number and code (a wrong code and an unknown number answer alike) or by the
QR code's text (altered or forged codes refused) — counted and rate limited; revoked with a
reason; the public key set at /.well-known/hamburg-service-keys.json."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
from urllib.parse import urlencode

import pytest
import segno
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.test import Client
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.core import signing
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict
from hamburg_service.core.pdf import pdf_signature_check
from hamburg_service.core.signing import base45_decode, base45_encode, payload_sign, payload_verify
from hamburg_service.people import certificates
from hamburg_service.people.access import Purpose
from hamburg_service.people.models import (
    Certificate,
    CertificateCheckCount,
    CertificateSequence,
    PersonEvent,
)
from hamburg_service.people.services import identity, residences
from tests.support.db import unchanged

from .conftest import FLAT, HOME, NOW, TODAY

PURPOSE = {"purpose": "person_ticket", "reference": "A123"}
QUERY = urlencode(PURPOSE)
ISSUERS = {Role.CLERK, Role.CASEWORKER_REGISTRATION, Role.CENTRAL_REGISTRATION}
CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5})\b")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def guenes(make_person, clerk):
    """Dr. Çağlar Ğüneş-Ørsted: a main residence since 1 March 2024 and a secondary one."""
    person = make_person(
        family_name="Ğüneş-Ørsted",
        given_names="Çağlar",
        doctoral_degree="Dr.",
        birth=identity.BirthDate(1990, 4, 17),
        nationalities=("TUR",),
    )
    residences.residence_register(
        person=person, address=HOME, moved_in_on=dt.date(2024, 3, 1), actor=clerk, now=NOW
    )
    residences.residence_register(
        person=person,
        address=FLAT,
        moved_in_on=dt.date(2025, 1, 15),
        kind="secondary",
        actor=clerk,
        now=NOW,
    )
    return person


def issue(client: Client, person_id: int, **fields: str):
    return client.post(f"/staff/people/{person_id}/certificates/?{QUERY}", fields)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def code_of(pdf: bytes) -> str:
    match = CODE.search(pdf_text(pdf))
    assert match is not None, "no verification code printed"
    return match.group(1)


@pytest.fixture
def issued(guenes, client_as):
    """A certificate issued by a clerk: (certificate, code, pdf)."""
    response = issue(client_as(Role.CLERK), guenes.pk, language="de")
    assert response.status_code == 200
    pdf = response.content
    return Certificate.objects.get(), code_of(pdf), pdf


def verify(client: Client | None = None, prefix: str = "", **fields: str):
    return (client or Client()).post(f"{prefix}/verify/", fields)


def by_code(number: str, code: str, prefix: str = "", client: Client | None = None):
    return verify(client, prefix, method="code", number=number, code=code)


def by_payload(text: str, prefix: str = "", client: Client | None = None):
    return verify(client, prefix, method="qr", payload=text)


def payload_of(certificate: Certificate) -> str:
    """The QR code's text: Ed25519 signatures are deterministic, so signing the snapshot with
    the time of issue again gives the very text the PDF shows."""
    return payload_sign("mb", certificate.data, issued_at=certificate.issued_at)


# --- issuing -------------------------------------------------------------------------------


def test_a_clerk_issues_a_signed_tagged_pdf_with_the_data_the_number_and_the_code(issued):
    certificate, code, pdf = issued

    assert pdf_signature_check(pdf).valid
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "de"
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root
    text = pdf_text(pdf)
    assert certificate.number == "MB-2025-000001"
    assert certificate.number in text
    assert "Ğüneş-Ørsted" in text
    assert "Çağlar" in text
    assert "Dr." in text
    assert "17.04.1990" in text
    assert "Kirchenallee 1, 20099 Hamburg" in text
    assert "01.03.2024" in text
    assert "Eppendorfer Weg" not in text  # the secondary residence only on request
    assert "/verify/?number=MB-2025-000001" in text
    # Only the code's hash is kept, and the code is one of ten characters without look-alikes.
    assert code.replace("-", "") not in certificate.code_hash
    assert certificates.code_matches(code.replace("-", ""), certificate.code_hash)
    assert certificate.data == {
        "c": "MB-2025-000001",
        "n": "Ğüneş-Ørsted",
        "g": "Çağlar",
        "dr": "Dr.",
        "b": "1990-04-17",
        "a": "Kirchenallee 1, 20099 Hamburg",
        "m": "2024-03-01",
    }
    assert (certificate.language, certificate.issued_at) == ("de", NOW)
    event = PersonEvent.objects.get(kind="certificate_issued")
    assert event.data["number"] == certificate.number
    assert "Ğüneş" not in json.dumps(event.data)  # the event holds no copy of the data


def test_the_qr_code_of_the_pdf_holds_the_signed_data(issued):
    certificate, _code, pdf = issued
    payload = payload_of(certificate)

    image = PdfReader(io.BytesIO(pdf)).pages[0].images[0].image
    assert image is not None
    pixels = image.convert("L")
    qr = segno.make(payload, error="m")
    expected = [[bool(m) for m in row] for row in qr.matrix_iter(scale=1, border=4)]
    dark = [value < 128 for value in pixels.tobytes()]
    found = [dark[y * pixels.width : (y + 1) * pixels.width] for y in range(pixels.height)]
    assert found == expected
    verified = payload_verify(payload, kind="mb")
    assert verified.data == certificate.data
    assert verified.issued_at == NOW
    assert len(payload) < 400  # compact keys: a QR code of version 11 or 12


def test_english_on_request_with_the_secondary_residence(guenes, client_as):
    response = issue(client_as(Role.CLERK), guenes.pk, language="en", secondary="on")
    pdf = response.content
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="meldebescheinigung-MB-2025-000001.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1  # the QR code too
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    text = pdf_text(pdf)
    assert "Registration certificate" in text
    assert "17 April 1990" in text
    assert "Eppendorfer Weg 12a, 20259 Hamburg" in text
    assert "/en/verify/" in text
    assert pdf_signature_check(pdf).valid
    assert Certificate.objects.get().data["s"] == [
        {"a": "Eppendorfer Weg 12a, 20259 Hamburg", "m": "2025-01-15"}
    ]


def test_issuing_reads_the_record_through_the_access_layer_and_logs_it(guenes, client_as):
    before = AccessLog.objects.count()
    issue(client_as(Role.CLERK), guenes.pk, language="de")
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.latest("pk")
    assert (entry.subject_type, entry.purpose, entry.case_reference) == (
        "person",
        "person_ticket",
        "A123",
    )
    assert list(entry.subjects.values_list("person_id", flat=True)) == [guenes.pk]


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: getattr(r, "value", "anon"))
def test_only_registration_staff_issue_and_a_refusal_leaves_nothing(guenes, client_as, role):
    client = Client() if role is None else client_as(role, locations=["kundenzentrum-city"])
    if role in ISSUERS:
        assert issue(client, guenes.pk, language="de").status_code == 200
        return
    with unchanged(Certificate, CertificateSequence, PersonEvent, AccessLog):
        response = issue(client, guenes.pk, language="de")
    assert response.status_code == (302 if role is None else 403)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: getattr(r, "value", "anon"))
def test_only_registration_staff_revoke(issued, client_as, role):
    certificate, _code, _pdf = issued
    client = Client() if role is None else client_as(role)
    url = f"/staff/people/{certificate.person_id}/certificates/{certificate.pk}/revoke/?{QUERY}"
    if role in ISSUERS:
        assert client.get(url).status_code == 200
        return
    with unchanged(Certificate, PersonEvent, AccessLog):
        refused = client.post(url, {"reason": "verloren"})
    assert refused.status_code == (302 if role is None else 403)


def test_a_person_without_a_residence_or_deceased_gets_no_certificate(
    make_person, guenes, client_as, clerk
):
    homeless = make_person(family_name="Ohnesorg")
    client = client_as(Role.CLERK)
    identity.person_death_record(person=guenes, died_on=TODAY, actor=clerk)
    with unchanged(Certificate, CertificateSequence, PersonEvent):
        refused = issue(client, homeless.pk, language="de")
        assert refused.status_code == 302
        assert refused["Location"] == f"/staff/people/{homeless.pk}/?{QUERY}"
        page = client.get(refused["Location"]).content.decode()
        assert "Diese Person hat derzeit keine Wohnung in Hamburg" in page
        assert issue(client, guenes.pk, language="de").status_code == 302
        unknown = issue(client, 10**9, language="de")
        assert unknown.status_code == 404
        bad_language = issue(client, homeless.pk, language="fr")
        assert bad_language.status_code == 302


def test_only_a_secondary_residence_is_certified_on_request(make_person, clerk, client_as):
    person = make_person(family_name="Nebenbei")
    residences.residence_register(
        person=person, address=FLAT, moved_in_on=TODAY, kind="secondary", actor=clerk, now=NOW
    )
    client = client_as(Role.CLERK)
    with unchanged(Certificate):
        assert issue(client, person.pk, language="de").status_code == 302
    assert issue(client, person.pk, language="de", secondary="on").status_code == 200
    data = Certificate.objects.get().data
    assert "a" not in data
    assert data["s"] == [{"a": "Eppendorfer Weg 12a, 20259 Hamburg", "m": TODAY.isoformat()}]


def test_numbers_count_up_within_a_year_and_start_again_in_the_next(guenes, clerk):
    purpose = Purpose.of("person_correction")

    def number(now: dt.datetime) -> str:
        with time_machine.travel(now, tick=False):
            return certificates.certificate_issue(
                actor=clerk, person_id=guenes.pk, purpose=purpose, now=now
            ).certificate.number

    assert number(NOW) == "MB-2025-000001"
    assert number(NOW) == "MB-2025-000002"
    # New Year's Eve 23:30 in Hamburg is already the new year there.
    assert number(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)) == "MB-2026-000001"


def test_the_person_page_lists_certificates_and_offers_issuing_to_those_who_may(issued, client_as):
    certificate, _code, _pdf = issued
    url = f"/staff/people/{certificate.person_id}/?{QUERY}"
    clerk_page = client_as(Role.CLERK).get(url).content.decode()
    assert certificate.number in clerk_page
    assert f"/certificates/{certificate.pk}/revoke/" in clerk_page
    assert f"/staff/people/{certificate.person_id}/certificates/?" in clerk_page
    immigration = client_as(Role.CASEWORKER_IMMIGRATION).get(url).content.decode()
    assert certificate.number in immigration
    assert "/certificates/?" not in immigration
    assert "/revoke/" not in immigration


# --- verifying -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_right_code_shows_the_data_and_when_it_was_issued(issued, prefix):
    certificate, code, _pdf = issued
    response = by_code(certificate.number, code.lower().replace("-", " "), prefix)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ğüneş-Ørsted" in html
    assert "Çağlar" in html
    assert "Kirchenallee 1, 20099 Hamburg" in html
    if prefix:
        assert 'lang="en"' in html
        assert "was issued by the Hamburg Service on 10 March 2025" in html
        assert "17 April 1990" in html
    else:
        assert 'lang="de"' in html
        assert "10.03.2025" in html
        assert "17.04.1990" in html
    assert response["Cache-Control"] == "no-store"
    # The number may be typed loosely.
    assert by_code("mb 2025 1", code).status_code == 200


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(issued):
    certificate, code, _pdf = issued
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    answers = [
        by_code(certificate.number, wrong),
        by_code("MB-2025-000999", wrong),
        by_code("MB-2024-000001", code),
    ]
    bodies = []
    numbers = [certificate.number, "MB-2025-000999", "MB-2024-000001"]
    for response, number in zip(answers, numbers, strict=True):
        assert response.status_code == 422
        body = CSRF.sub("", response.content.decode()).replace(number, "N")
        body = body.replace(wrong, "C").replace(code, "C")
        bodies.append(body)
    assert bodies[0] == bodies[1] == bodies[2]
    assert "Ğüneş" not in bodies[0]
    # English, too, says it in the page's language.
    english = by_code("MB-2025-000999", wrong, "/en").content.decode()
    assert "No valid registration certificate has this number and verification code" in english


def test_a_revoked_certificate_shows_as_revoked(issued, client_as):
    certificate, code, _pdf = issued
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{certificate.person_id}/certificates/{certificate.pk}/revoke/?{QUERY}"
    with unchanged(Certificate, PersonEvent):
        assert clerk.post(url, {"reason": "  "}).status_code == 422
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        done = client_as(Role.CLERK).post(url, {"reason": "Bescheinigung verloren"})
    assert done.status_code == 302
    assert done["Location"] == f"/staff/people/{certificate.person_id}/?{QUERY}"
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Bescheinigung verloren"
    assert certificate.revoked_by is not None
    event = PersonEvent.objects.get(kind="certificate_revoked")
    assert event.data == {
        "certificate": certificate.pk,
        "number": certificate.number,
        "reason": "Bescheinigung verloren",
    }
    english = by_code(certificate.number, code, "/en").content.decode()
    assert "revoked on 12 March 2025" in english
    assert "Ğüneş-Ørsted" in english
    assert "12.03.2025" in by_code(certificate.number, code).content.decode()
    qr = by_payload(payload_of(certificate), "/en").content.decode()
    assert "revoked on 12 March 2025" in qr
    # Twice is refused (409); the page says it is revoked already.
    with unchanged(Certificate, PersonEvent):
        again = clerk.post(url, {"reason": "nochmal"})
        assert again.status_code == 409
        assert "12.3.2025" in again.content.decode()
        with pytest.raises(Conflict):
            certificates.certificate_revoke(
                certificate=certificate, reason="x", actor=Actor.staff(certificate.revoked_by)
            )


def test_the_qr_codes_text_verifies_pasted_with_its_spaces_or_as_a_link(issued):
    certificate, _code, _pdf = issued
    payload = payload_of(certificate)
    pasted = by_payload(payload + "\r\n", "/en")
    assert pasted.status_code == 200
    html = pasted.content.decode()
    assert "Ğüneş-Ørsted" in html
    assert "has not been revoked" in html
    # A link an app opens: the text percent-encoded (base45's spaces and plus signs).
    link = Client().get("/en/verify/?" + urlencode({"payload": payload}))
    assert link.status_code == 200
    assert "Ğüneş-Ørsted" in link.content.decode()
    # Spaces inside are part of the code: squeezed out, it no longer verifies.
    if " " in payload:
        assert by_payload(payload.replace(" ", "")).status_code == 422


def test_an_altered_or_forged_qr_code_is_not_valid(issued):
    certificate, _code, _pdf = issued
    payload = payload_of(certificate)
    raw = bytearray(base45_decode(payload[5:]))
    raw[20] ^= 0x01  # one bit of the data
    altered = "HHS1:" + base45_encode(bytes(raw))
    other_kind = payload_sign("fb", certificate.data, issued_at=certificate.issued_at)
    data = dict(certificate.data, n="Mustermann")
    changed_data = payload_sign("mb", data, issued_at=certificate.issued_at)
    answers = {
        "altered": by_payload(altered, "/en"),
        "garbage": by_payload("Hello, this is not it", "/en"),
        "kind": by_payload(other_kind, "/en"),
        "not_on_file": by_payload(changed_data, "/en"),
    }
    # The same data signed with a key of someone else.
    forger = Ed25519PrivateKey.generate()
    kid = hashlib.sha256(forger.public_key().public_bytes_raw()).digest()[:8]
    signed = bytes([1]) + kid + base45_decode(payload[5:])[9:-64]
    forged = "HHS1:" + base45_encode(signed + forger.sign(signed))
    answers["forged"] = by_payload(forged, "/en")
    expected = {
        "altered": "its signature does not match",
        "garbage": "is not a verification code of the Hamburg Service",
        "kind": "belongs to another kind of document",
        "not_on_file": "no such certificate is on file",
        "forged": "its key is unknown",
    }
    for name, response in answers.items():
        html = response.content.decode()
        assert response.status_code == 422, name
        assert "This certificate is not valid." in html, name
        assert expected[name] in html, name
        assert "Ğüneş" not in html.split("<textarea")[0], name
    counts = dict(CertificateCheckCount.objects.values_list("outcome", "checks"))
    assert counts == {
        "qr_signature_invalid": 1,
        "qr_malformed": 1,
        "qr_kind": 1,
        "qr_not_on_file": 1,
        "qr_key_unknown": 1,
    }


def test_every_verification_is_counted_per_certificate_and_per_outcome(issued):
    certificate, code, _pdf = issued
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    by_code(certificate.number, code)
    by_code(certificate.number, code)
    by_code(certificate.number, wrong)
    by_code("MB-2025-000777", wrong)
    by_payload(payload_of(certificate))
    by_code("", "")  # not a verification: the form asks for both
    certificate.refresh_from_db()
    assert (certificate.verified_count, certificate.failed_count) == (3, 1)
    assert certificate.last_checked_at == NOW
    counts = dict(CertificateCheckCount.objects.values_list("outcome", "checks"))
    assert counts == {"code_valid": 2, "code_not_valid": 2, "qr_valid": 1}
    assert set(CertificateCheckCount.objects.values_list("day", flat=True)) == {TODAY}


def test_verification_is_limited_per_certificate_number(issued, settings):
    certificate, code, _pdf = issued
    settings.RATE_LIMITS_ENABLED = True
    settings.CERTIFICATE_VERIFY_NUMBER_RATE = "3/h"
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    for _ in range(3):
        assert by_code(certificate.number, wrong).status_code == 422
    with unchanged(Certificate, CertificateCheckCount):
        limited = by_code(certificate.number, code, "/en")  # even the right code now waits
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "This certificate number has been checked too often" in limited.content.decode()
    assert "Ğüneş" not in limited.content.decode()
    # Loosely typed, it is the same number; another number is not limited.
    assert by_code("mb-2025-1", code).status_code == 429
    assert by_code("MB-2025-000002", wrong).status_code == 422
    # The QR code's text has no secret to guess: only the address limit holds.
    assert by_payload(payload_of(certificate)).status_code == 200


def test_verification_is_limited_per_client_address(issued, settings):
    certificate, code, _pdf = issued
    settings.RATE_LIMITS_ENABLED = True
    settings.CERTIFICATE_VERIFY_RATE = "2/m"
    assert by_code(certificate.number, code).status_code == 200
    assert by_payload(payload_of(certificate)).status_code == 200
    limited = by_code("MB-2025-000005", code, "/en")
    assert limited.status_code == 429
    assert "Retry-After" in limited
    assert "Too many requests from your connection" in limited.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert by_code(certificate.number, code, client=other).status_code == 200


def test_the_page_explains_offline_verification(client):
    html = client.get("/en/verify/").content.decode()
    assert 'href="/.well-known/hamburg-service-keys.json"' in html
    fingerprint = signing.certificate_fingerprint(signing.document_key().certificate)
    assert fingerprint.replace(":", ":<wbr>") in html
    prefilled = client.get("/verify/?number=MB-2025-000001").content.decode()
    assert 'value="MB-2025-000001"' in prefilled


# --- the key set ---------------------------------------------------------------------------


def test_the_key_set_is_published_cacheable_and_verifies_the_qr_code(issued):
    certificate, _code, _pdf = issued
    response = Client().get("/.well-known/hamburg-service-keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    keys = json.loads(response.content)
    assert keys == signing.jwks()
    again = Client().get(
        "/.well-known/hamburg-service-keys.json", headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
    # Offline: nothing but the key set and cryptography.
    raw = base45_decode(payload_of(certificate)[5:])
    kid = base64.b32encode(raw[1:9]).decode().rstrip("=")
    jwk = next(k for k in keys["keys"] if k["kid"] == kid)
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "="))
    key.verify(raw[-64:], raw[:-64])
    assert json.loads(raw[9:-64])["d"] == certificate.data


def test_an_english_browser_gets_the_key_set_too():
    english = Client(headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.get("/.well-known/hamburg-service-keys.json").status_code == 200
