"""Drafts: two tabs or two devices never mix answers, steps in order, unknown fields refused,
resume links (another device, expired), expiry, prefill shown but saved only when posted,
and pinned query counts of a step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.forms import engine_support
from tests.forms.engine_support import OWNER, PET_DOG, start, step_url
from tests.support.db import unchanged

from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.forms.models import Draft, DraftEvent, DraftState
from hamburg_service.forms.services.drafts import draft_start, draft_step_save, drafts_expire
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render

small_form = engine_support.small_form
PINNED = {"step get": 2, "step post": 6}


def test_two_tabs_never_mix(small_form):
    client = Client()
    draft = start(client)
    first = client.post(step_url(draft, "owner"), OWNER)
    assert first.status_code == 302
    # the second tab still holds revision 1
    with unchanged(Draft):
        stale = client.post(f"/en{step_url(draft, 'owner')}", {**OWNER, "family_name": "Schmidt"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed in another window or on another device" in text
    assert 'value="Müller"' in text
    assert "Schmidt" not in text
    assert 'name="revision" value="2"' in text
    draft.refresh_from_db()
    assert draft.answers["family_name"] == "Müller"


def test_service_refuses_stale_out_of_order_and_unknown(small_form):
    draft = draft_start(definition=small_form, citizen=None, language="de", actor=Actor.resident())
    actor = Actor.resident()
    with unchanged(Draft, DraftEvent):
        with pytest.raises(Conflict) as out_of_order:
            draft_step_save(
                draft=draft, step_key="pet", data=PET_DOG, files={}, revision=1, actor=actor
            )
        assert out_of_order.value.code == "step-out-of-order"
        with pytest.raises(InvalidInput) as unknown:
            draft_step_save(
                draft=draft,
                step_key="owner",
                data={**OWNER, "is_admin": "yes"},
                files={},
                revision=1,
                actor=actor,
            )
        assert unknown.value.code == "field-unknown"
        with pytest.raises(Conflict) as stale:
            draft_step_save(
                draft=draft, step_key="owner", data=OWNER, files={}, revision=7, actor=actor
            )
        assert stale.value.code == "draft-stale"
    # the API's JSON shapes: structured values, wrong types answered per field
    api = {
        "family_name": "Müller",
        "birth": "1985-03",
        "email": "a@example.org",
        "address": {
            "street": "Kirchenallee",
            "house_number": "1",
            "postcode": "20099",
            "city": "Hamburg",
        },
    }
    with pytest.raises(InvalidInput) as wrong:
        draft_step_save(
            draft=draft,
            step_key="owner",
            data={**api, "family_name": 42.5, "address": "x"},
            files={},
            revision=1,
            actor=actor,
        )
    assert {e["field"] for e in wrong.value.errors} == {"family_name", "address"}
    result = draft_step_save(
        draft=draft, step_key="owner", data=api, files={}, revision=1, actor=actor
    )
    assert result.next_step.key == "pet"
    assert result.draft.answers["birth"] == "1985-03"


def test_step_out_of_order_in_the_browser_goes_to_the_missing_step(small_form):
    client = Client()
    draft = start(client)
    response = client.get(step_url(draft, "documents"))
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "owner")
    with unchanged(Draft):
        posted = client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "1"})
    assert posted.status_code == 409


def test_resume_on_another_device_and_expired_link(small_form):
    phone = Client()
    draft = start(phone)
    phone.post(step_url(draft, "owner"), {**OWNER, "action": "later"})
    response = phone.post(
        f"/en/online/draft/{draft.public_id}/later/", {"email": "anna@example.org"}
    )
    assert response.status_code == 200
    assert "We have sent a link" in response.content.decode()
    message = Message.objects.get(template="forms/resume_link")
    assert message.recipient == "anna@example.org"
    body = render(message.template, message.context).body
    token = re.search(r"/online/resume/([^/]+)/", body)[1]
    draft.refresh_from_db()
    assert draft.resume_token_hash
    assert token not in draft.resume_token_hash
    laptop = Client()
    assert laptop.get(step_url(draft, "pet")).status_code == 404
    resumed = laptop.get(f"/online/resume/{token}/")
    assert resumed["Location"] == step_url(draft, "pet")
    page = laptop.get(step_url(draft, "owner"))
    assert 'value="Müller"' in page.content.decode()
    Draft.objects.filter(pk=draft.pk).update(
        resume_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = Client().get(f"/en/online/resume/{token}/")
    assert expired.status_code == 410
    text = expired.content.decode()
    assert "This link has expired" in text
    assert "/online/test-pets/" in text
    assert Client().get("/online/resume/not-a-token/").status_code == 404


def test_expiry_job_expires_drafts(small_form):
    draft = draft_start(definition=small_form, citizen=None, language="de", actor=Actor.resident())
    assert drafts_expire(now=timezone.now()) == 0
    assert drafts_expire(now=draft.expires_at + dt.timedelta(seconds=1)) == 1
    draft.refresh_from_db()
    assert draft.state == DraftState.EXPIRED
    assert DraftEvent.objects.filter(draft=draft, kind="expired").exists()


def test_prefill_is_shown_but_saved_only_when_posted(small_form):
    from hamburg_service.accounts.citizens import SESSION_KEY
    from hamburg_service.accounts.models import Citizen

    citizen = Citizen.objects.create(
        public_id="00000000-0000-4000-8000-000000000001",
        email="ayse@example.org",
        email_key="ayse@example.org",
        language="de",
        created_at=timezone.now(),
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": citizen.pk, "trust": "basic"}
    session.save()
    draft = start(client)
    assert draft.citizen_id == citizen.pk
    page = client.get(step_url(draft, "owner")).content.decode()
    assert 'value="ayse@example.org"' in page
    assert "Aus Ihrem Melderegistereintrag ausgefüllt" in page
    draft.refresh_from_db()
    assert draft.answers == {}


def test_query_counts_of_a_step(small_form):
    client = Client()
    draft = start(client)
    client.post(step_url(draft, "owner"), OWNER)
    with CaptureQueriesContext(connection) as get:
        assert client.get(step_url(draft, "pet")).status_code == 200
    with CaptureQueriesContext(connection) as post:
        assert client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"}).status_code == 302
    updates = [
        q
        for q in post.captured_queries
        if q["sql"].startswith("UPDATE") and "online_forms_draft" in q["sql"]
    ]
    assert len(updates) == 1
    assert len(get) == PINNED["step get"], [q["sql"][:90] for q in get.captured_queries]
    assert len(post) == PINNED["step post"], [q["sql"][:90] for q in post.captured_queries]
