"""Filling in a form step by step in the browser: every field type's bad input answered next
to the field with what was entered kept, conditions, groups without JavaScript, exit pages,
the summary, uploads, and the draft's access."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.forms import engine_support
from tests.forms.engine_support import OWNER, PET_DOG, png_bytes, start, step_url
from tests.support.db import unchanged

from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms.models import Draft, DraftEvent

small_form = engine_support.small_form
uploads_root = engine_support.uploads_root

pytestmark = pytest.mark.usefixtures("small_form")


def _owner_done(client: Client, draft: Draft) -> None:
    response = client.post(step_url(draft, "owner"), OWNER)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == step_url(draft, "pet")


def test_list_and_start_page():
    client = Client()
    listing = client.get("/online/")
    assert "Haustier melden" in listing.content.decode()
    page = client.get("/en/online/test-pets/")
    assert page.status_code == 200
    assert "Report a pet" in page.content.decode()
    assert "A photo" in page.content.decode()


def test_a_whole_form_to_the_summary(uploads_root):
    client = Client()
    draft = start(client)
    assert client.get(step_url(draft, "owner")).status_code == 200
    _owner_done(client, draft)
    response = client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"})
    assert response["Location"] == step_url(draft, "household")
    response = client.post(
        step_url(draft, "household"),
        {
            "revision": "3",
            "family-count": "1",
            "family.0.member_name": "Ben Müller",
            "family.0.member_adult": "yes",
        },
    )
    assert response["Location"] == step_url(draft, "documents")
    photo = SimpleUploadedFile("dog.png", png_bytes(), content_type="image/png")
    response = client.post(
        step_url(draft, "documents"), {"revision": "4", "agree": "on", "photo": photo}
    )
    assert response["Location"] == f"/online/draft/{draft.public_id}/summary/"
    draft.refresh_from_db()
    assert draft.revision == 5
    assert draft.steps_done == ["owner", "pet", "household", "documents"]
    assert draft.answers["birth"] == "1985-03"
    assert draft.answers["weight"] == "12.5"
    assert draft.answers["count"] == 1
    assert draft.answers["toys"] == ["ball", "rope"]
    assert draft.answers["family"] == [{"member_name": "Ben Müller", "member_adult": True}]
    assert draft.answers["address"]["postcode"] == "20099"
    stored = StoredFile.objects.get()
    assert stored.owner == f"form-draft:{draft.public_id}"
    assert stored.state == FileState.ATTACHED
    assert draft.answers["photo"] == [stored.public_id.hex]
    summary = client.get(f"/en/online/draft/{draft.public_id}/summary/")
    text = summary.content.decode()
    assert summary.status_code == 200
    assert "Ben Müller" in text
    assert "dog.png" in text
    assert "12.5" in text
    assert f'value="draft:{draft.public_id}"' in text
    assert DraftEvent.objects.filter(draft=draft).count() == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name", "Müller3", "digits"),
        ("family_name", "Алла", "DIN 91379"),
        ("family_name", "Mül\x00ler", "control"),
        ("given_names", "A" * 201, "at most 200"),
        ("birth.year", "1700", "before"),
        ("birth.year", "2999", "after"),
        ("birth.month", "13", "no such month"),
        ("birth.day", "31", "month"),
        ("email", "not-an-address", "e-mail address"),
        ("address.postcode", "80331", "not a Hamburg postcode"),
        ("address.postcode", "2009", "five digits"),
        ("address.house_number", "one", "house number"),
    ],
)
def test_bad_owner_input_is_answered_next_to_the_field(field, value, message):
    client = Client()
    draft = start(client)
    posted = {**OWNER, field: value}
    if field == "birth.day":
        posted["birth.month"] = "02"
    with unchanged(Draft):
        response = client.post(f"/en{step_url(draft, 'owner')}", posted)
    assert response.status_code == 422
    text = response.content.decode()
    assert message in text
    assert 'class="error-summary"' in text
    # what was typed stays
    if "\x00" not in value and field != "given_names":
        assert f'value="{value}"' in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("count", "0", "at least 1"),
        ("count", "1.5", "whole number"),
        ("count", "many", "Enter a number"),
        ("weight", "1.25", "1 decimal place"),
        ("kind", "unicorn", "Choose one of the answers"),
        ("insured", "perhaps", "yes or no"),
        ("chip", "123", "15 digits."),
        ("notes", "x" * 201, "at most 200"),
    ],
)
def test_bad_pet_input(field, value, message):
    client = Client()
    draft = start(client)
    _owner_done(client, draft)
    response = client.post(
        f"/en{step_url(draft, 'pet')}", {**PET_DOG, field: value, "revision": "2"}
    )
    assert response.status_code == 422
    assert message in response.content.decode()


def test_a_field_shown_by_a_condition_is_checked_only_when_shown():
    client = Client()
    draft = start(client)
    _owner_done(client, draft)
    cat = {**PET_DOG, "kind": "cat", "chip": "", "revision": "2"}
    response = client.post(step_url(draft, "pet"), cat)
    # the household step is only for dogs: straight to the documents
    assert response["Location"] == step_url(draft, "documents")
    draft.refresh_from_db()
    assert "chip" not in draft.answers


def test_an_exit_step_ends_the_form():
    client = Client()
    draft = start(client)
    _owner_done(client, draft)
    response = client.post(step_url(draft, "pet"), {**PET_DOG, "kind": "tiger", "revision": "2"})
    assert response["Location"] == f"/online/draft/{draft.public_id}/exit/"
    page = client.get(f"/en/online/draft/{draft.public_id}/exit/")
    assert "Please register tigers in person." in page.content.decode()
    assert client.get(step_url(draft, "documents")).status_code == 302
    assert client.get(f"/online/draft/{draft.public_id}/summary/").status_code == 302


def test_groups_add_and_remove_without_javascript():
    client = Client()
    draft = start(client)
    _owner_done(client, draft)
    client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"})
    url = f"/en{step_url(draft, 'household')}"
    page = client.post(url, {"revision": "3", "family-count": "0", "action": "add:family"})
    assert page.status_code == 200
    assert 'name="family.0.member_name"' in page.content.decode()
    page = client.post(
        url,
        {
            "revision": "3",
            "family-count": "1",
            "family.0.member_name": "Ben",
            "family.0.member_adult": "no",
            "action": "add:family",
        },
    )
    text = page.content.decode()
    assert 'name="family.1.member_name"' in text
    assert 'value="Ben"' in text
    assert 'name="family.0.member_birth.year"' in text  # shown for a minor
    page = client.post(
        url,
        {
            "revision": "3",
            "family-count": "2",
            "family.0.member_name": "Ben",
            "family.0.member_adult": "no",
            "family.1.member_name": "Cleo",
            "action": "remove:family:0",
        },
    )
    text = page.content.decode()
    assert 'value="Cleo"' in text
    assert 'value="Ben"' not in text
    draft.refresh_from_db()
    assert draft.revision == 3  # nothing saved by adding or removing
    too_many = {"revision": "3", "family-count": "4"}
    for i in range(4):
        too_many[f"family.{i}.member_name"] = f"Person {chr(65 + i)}"
        too_many[f"family.{i}.member_adult"] = "yes"
    response = client.post(url, too_many)
    assert response.status_code == 422
    assert "At most 3 entries" in response.content.decode()
    bad = client.post(
        url,
        {
            "revision": "3",
            "family-count": "1",
            "family.0.member_name": "B3n",
            "family.0.member_adult": "yes",
        },
    )
    assert bad.status_code == 422
    assert 'id="f-family-0-member_name-error"' in bad.content.decode()


def test_uploads_checked_counted_and_removed(uploads_root):
    client = Client()
    draft = start(client)
    _owner_done(client, draft)
    client.post(step_url(draft, "pet"), {**PET_DOG, "kind": "cat", "chip": "", "revision": "2"})
    url = f"/en{step_url(draft, 'documents')}"
    fake = SimpleUploadedFile("photo.png", b"#!/bin/sh\necho hi\n", content_type="image/png")
    response = client.post(url, {"revision": "3", "agree": "on", "photo": fake})
    assert response.status_code == 422
    assert "not a" in response.content.decode()
    three = [
        SimpleUploadedFile(f"p{i}.png", png_bytes(), content_type="image/png") for i in range(3)
    ]
    response = client.post(url, {"revision": "3", "agree": "on", "photo": three})
    assert "at most 2 files" in response.content.decode()
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 1_100_000, content_type="image/png")
    response = client.post(url, {"revision": "3", "agree": "on", "photo": big})
    assert "larger than" in response.content.decode()
    assert not StoredFile.objects.exclude(state=FileState.DELETED).exists()
    # an accepted file survives an error elsewhere (carried by its token)
    one = SimpleUploadedFile("one.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"revision": "3", "photo": one})
    assert response.status_code == 422
    text = response.content.decode()
    assert "one.png" in text
    token = text.split('name="photo-staged" value="')[1].split('"')[0]
    response = client.post(url, {"revision": "3", "agree": "on", "photo-staged": token})
    assert response.status_code == 302
    draft.refresh_from_db()
    stored = StoredFile.objects.get(state=FileState.ATTACHED)
    assert draft.answers["photo"] == [stored.public_id.hex]
    # removed by the applicant: another one instead
    two = SimpleUploadedFile("two.png", png_bytes(), content_type="image/png")
    response = client.post(
        url,
        {"revision": "4", "agree": "on", "photo": two, "photo-remove": stored.public_id.hex},
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.state == FileState.DELETED
    draft.refresh_from_db()
    assert len(draft.answers["photo"]) == 1
    assert draft.answers["photo"] != [stored.public_id.hex]


def test_someone_else_gets_404():
    client = Client()
    draft = start(client)
    other = Client()
    assert other.get(step_url(draft, "owner")).status_code == 404
    assert other.get(f"/online/draft/{draft.public_id}/summary/").status_code == 404
    with unchanged(Draft):
        assert other.post(step_url(draft, "owner"), OWNER).status_code == 404
