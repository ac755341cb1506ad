"""The online services through the JSON API: a client fills the dog registration step by
step with the same checks as the pages, uploads its file, submits once per Idempotency-Key
and follows the submission; bad input answers with problem details naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import pdf_bytes, signed_in
from tests.support.db import unchanged

from hamburg_service.cases.models import Case, CaseFile
from hamburg_service.forms.models import Draft, Submission

pytestmark = pytest.mark.usefixtures("services")
API = "/api/v1/online"
OWNER: dict[str, Any] = {
    "family_name": "Hoffmann",
    "given_names": "Heike",
    "birth": "1975-06-12",
    "email": "heike.hoffmann@example.org",
    "address": {"street": "Kirchenallee", "house_number": "1", "postcode": "20099", "city": ""},
}
DOG: dict[str, Any] = {
    "dog_name": "Bello",
    "breed": "labrador_retriever",
    "sex": "male",
    "dog_birth": "2021-05",
    "chip": "276098106060123",
    "kept_since": "2022-01-10",
}


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def _start(client: Client, slug: str = "dog-registration") -> tuple[str, str, int]:
    response = client.post(f"{API}/services/{slug}/drafts")
    assert response.status_code == 201, response.content
    body = response.json()
    return body["draft"]["id"], body["token"], body["draft"]["revision"]


def _step(client: Client, draft: str, token: str, step: str, revision: int, answers: dict) -> Any:
    return _post(
        client,
        f"{API}/drafts/{draft}/steps/{step}",
        {"revision": revision, "answers": answers},
        **{"Draft-Token": token},
    )


def test_a_client_fills_and_submits_the_dog_registration_once():
    client = Client()
    listed = client.get(f"{API}/services", headers={"Accept-Language": "en"}).json()
    assert {s["slug"] for s in listed} == {
        "residence-permit",
        "register-information",
        "dog-registration",
        "change-of-address",
    }
    assert next(s for s in listed if s["slug"] == "dog-registration")["title"] == "Register a dog"
    definition = client.get(f"{API}/services/dog-registration").json()
    assert definition["definition"]["handler"] == "dog_registration"
    draft, token, revision = _start(client)
    response = _step(client, draft, token, "owner", revision, OWNER)
    assert response.status_code == 200, response.content
    assert response.json()["next_step"] == "dog"
    response = _step(client, draft, token, "dog", revision + 1, DOG)
    assert response.status_code == 200, response.content
    upload = client.post(
        f"{API}/drafts/{draft}/files/liability_insurance",
        {"file": _pdf()},
        headers={"Draft-Token": token},
    )
    assert upload.status_code == 201, upload.content
    staged = upload.json()["token"]
    response = _step(
        client,
        draft,
        token,
        "insurance",
        revision + 2,
        {"insurer": "HV", "policy_number": "HV-1", "liability_insurance-staged": [staged]},
    )
    assert response.status_code == 200, response.content
    response = _step(client, draft, token, "fee", revision + 3, {"fee_accepted": True})
    assert response.json()["complete"] is True
    first = client.post(
        f"{API}/drafts/{draft}/submit", headers={"Draft-Token": token, "Idempotency-Key": "k-77"}
    )
    assert first.status_code == 201, first.content
    made = first.json()
    assert made["status"] == "received"
    assert made["status_secret"]
    again = client.post(
        f"{API}/drafts/{draft}/submit", headers={"Draft-Token": token, "Idempotency-Key": "k-77"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == made["id"]
    assert again.json()["status_secret"] is None
    assert Submission.objects.count() == Case.objects.count() == 1
    case = Case.objects.get()
    assert (case.case_type.slug, case.reference) == ("dog-registration", made["reference"])
    assert CaseFile.objects.filter(case=case).count() == 1
    status = client.get(f"{API}/submissions/{made['id']}", headers={"Draft-Token": token})
    assert status.status_code == 200
    assert status.json()["reference"] == case.reference
    assert client.get(f"{API}/submissions/{made['id']}").status_code == 404


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("police.pdf", pdf_bytes(), content_type="application/pdf")


def test_bad_input_stale_revisions_steps_out_of_order_and_strangers_are_refused():
    client = Client()
    draft, token, revision = _start(client)
    with unchanged(Draft):
        bad = _step(client, draft, token, "owner", revision, {**OWNER, "birth": "2030-01-01"})
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["birth"]
    unknown = _step(client, draft, token, "owner", revision, {**OWNER, "colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["type"].endswith("field-unknown")
    ahead = _step(client, draft, token, "insurance", revision, {"insurer": "HV"})
    assert ahead.status_code == 409
    assert ahead.json()["type"].endswith("step-out-of-order")
    assert _step(client, draft, token, "owner", revision, OWNER).status_code == 200
    stale = _step(client, draft, token, "owner", revision, OWNER)
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("draft-stale")
    chip = _step(client, draft, token, "dog", revision + 1, {**DOG, "chip": "1234"})
    assert chip.status_code == 422
    assert chip.json()["errors"][0]["field"] == "chip"
    incomplete = client.post(
        f"{API}/drafts/{draft}/submit", headers={"Draft-Token": token, "Idempotency-Key": "k"}
    )
    assert incomplete.status_code == 409
    assert incomplete.json()["type"].endswith("draft-incomplete")
    # Without the token, or with another's, the draft does not exist.
    assert client.get(f"{API}/drafts/{draft}").status_code == 404
    assert client.get(f"{API}/drafts/{draft}", headers={"Draft-Token": "x" * 64}).status_code == 404
    assert client.get(f"{API}/drafts/{draft}", headers={"Draft-Token": token}).status_code == 200


def test_a_service_that_needs_a_sign_in_is_started_only_from_a_trusted_session(make_citizen):
    refused = Client().post(f"{API}/services/change-of-address/drafts")
    assert refused.status_code == 403
    assert not Draft.objects.exists()
    low = signed_in(make_citizen("a@example.org"), "basic")
    assert low.post(f"{API}/services/change-of-address/drafts").status_code == 403
    citizen = make_citizen("b@example.org")
    high = signed_in(citizen, "high")
    draft, token, _revision = _start(high, "change-of-address")
    assert Draft.objects.get(public_id=draft).citizen_id == citizen.pk
    # The token alone is not enough for an account's draft: the account's session is needed.
    assert Client().get(f"{API}/drafts/{draft}", headers={"Draft-Token": token}).status_code == 404
    assert Client().get(f"{API}/services/no-such-service").status_code == 404
