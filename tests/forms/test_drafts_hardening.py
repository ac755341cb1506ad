"""Drafts under hostile or unlucky input: digits that are not ASCII, numbers without a bound,
staged files carried into another question or draft, conditions inside groups that read a
later field, a draft past its expiry before the hourly job ran, the expiry job clearing and
deleting, the uploads' retention date in Hamburg time and the resume link's token never
stored in plain text."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from tests.forms.engine_support import OWNER, PET_DOG, png_bytes, start, step_url
from tests.forms.hardening_support import form, uploads_root
from tests.forms.submission_support import pdf_bytes
from tests.support.db import unchanged

from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.logic import visible_answers
from hamburg_service.forms.models import Draft, DraftEvent, DraftState, FormDefinition
from hamburg_service.forms.services import drafts
from hamburg_service.forms.services.drafts import (
    draft_resume_link_send,
    draft_start,
    draft_step_save,
    drafts_expire,
)
from hamburg_service.notifications.models import Message
from hamburg_service.notifications.renderers import render

__all__ = ["form", "uploads_root"]
ACTOR = Actor.resident("anna@example.org")
SERVICE_OWNER = {k: v for k, v in OWNER.items() if k != "revision"}


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("letter.pdf", pdf_bytes(), content_type="application/pdf")


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("dog.png", png_bytes(), content_type="image/png")


def _draft_at(
    form: FormDefinition, last: str, *, now: dt.datetime | None = None
) -> tuple[Draft, int]:
    """A draft with the steps before `last` saved (through the service); its revision."""
    now = now or timezone.now()
    draft = draft_start(definition=form, citizen=None, language="de", actor=ACTOR, now=now)
    steps = [("owner", SERVICE_OWNER), ("pet", PET_DOG), ("household", {"family": []})]
    revision = 1
    for key, data in steps:
        if key == last:
            break
        draft = draft_step_save(
            draft=draft, step_key=key, data=data, files={}, revision=revision, actor=ACTOR, now=now
        ).draft
        revision += 1
    return draft, revision


# --- 1. digits that are not ASCII -------------------------------------------------------------


def test_digits_that_are_not_ascii_are_refused_not_crashing(form):
    client = Client()
    draft = start(client)
    assert client.post(step_url(draft, "owner"), OWNER).status_code == 302
    assert client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"}).status_code == 302
    household = {
        "revision": "3",
        "family-count": "1",
        "family.0.member_name": "Ben Müller",
        "family.0.member_adult": "yes",
    }
    with unchanged(Draft, DraftEvent):
        # "²".isdigit() is true, int("²") raises
        removed = client.post(
            step_url(draft, "household"), {**household, "action": "remove:family:²"}
        )
        assert removed.status_code == 200
        assert 'value="Ben Müller"' in removed.content.decode()
        # Arabic-Indic "٣" would be int 3: not the revision the page was shown with
        stale = client.post(step_url(draft, "household"), {**household, "revision": "٣"})
        assert stale.status_code == 409
    other = start(client)
    with unchanged(Draft, DraftEvent):
        year = client.post(step_url(other, "owner"), {**OWNER, "birth.year": "١٩٨٥"})
    assert year.status_code == 422
    assert "Ziffern" in year.content.decode()


# --- 6. a number without `max` ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e5000", "9" * 16, "1e15"])
def test_a_huge_number_is_refused_with_a_message(form, value):
    draft, revision = _draft_at(form, "pet")
    with unchanged(Draft, DraftEvent), pytest.raises(InvalidInput) as refused:
        draft_step_save(
            draft=draft,
            step_key="pet",
            data={**PET_DOG, "count": value},
            files={},
            revision=revision,
            actor=ACTOR,
        )
    assert [e["field"] for e in refused.value.errors] == ["count"]
    assert "15" in refused.value.errors[0]["message"]
    saved = draft_step_save(
        draft=draft,
        step_key="pet",
        data={**PET_DOG, "count": "999999999999999", "weight": "1.5e2"},
        files={},
        revision=revision,
        actor=ACTOR,
    )
    assert saved.draft.answers["count"] == 999999999999999
    assert saved.draft.answers["weight"] == "150"


# --- 3. staged files bound to their question and draft -----------------------------------------


def _staged(error: pytest.ExceptionInfo[InvalidInput], key: str) -> str:
    return error.value.extra["input"].raw[key][0].ref


def test_a_staged_file_counts_only_in_its_own_field_of_its_own_draft(form, uploads_root):
    draft, revision = _draft_at(form, "documents")
    with pytest.raises(InvalidInput) as first:  # "agree" missing: the page comes back
        draft_step_save(
            draft=draft,
            step_key="documents",
            data={},
            files={"passport": _pdf(), "photo": _png()},
            revision=revision,
            actor=ACTOR,
        )
    pdf_token, png_token = _staged(first, "passport"), _staged(first, "photo")
    refused_posts = [
        # a PDF of 10 MB's field carried into the photo's (images only, 1 MB)
        {"photo-staged": [pdf_token], "agree": "on"},
        # the same token twice
        {"passport-staged": [pdf_token, pdf_token], "photo-staged": [png_token], "agree": "on"},
    ]
    with unchanged(Draft, DraftEvent, StoredFile):
        for data in refused_posts:
            with pytest.raises(InvalidInput):
                draft_step_save(
                    draft=draft,
                    step_key="documents",
                    data=data,
                    files={},
                    revision=revision,
                    actor=ACTOR,
                )
    other, other_revision = _draft_at(form, "documents")
    with unchanged(Draft, DraftEvent, StoredFile), pytest.raises(InvalidInput) as foreign:
        draft_step_save(
            draft=other,
            step_key="documents",
            data={"passport-staged": [pdf_token], "photo-staged": [png_token], "agree": "on"},
            files={},
            revision=other_revision,
            actor=ACTOR,
        )
    assert "photo" in {e["field"] for e in foreign.value.errors}
    saved = draft_step_save(
        draft=draft,
        step_key="documents",
        data={"passport-staged": [pdf_token], "photo-staged": [png_token], "agree": "on"},
        files={},
        revision=revision,
        actor=ACTOR,
    )
    assert len(saved.draft.answers["passport"]) == len(saved.draft.answers["photo"]) == 1
    attached = StoredFile.objects.filter(owner=drafts.draft_owner(draft))
    assert sorted(f.content_type for f in attached) == ["application/pdf", "image/png"]


# --- 7. conditions inside a group read the fields before them --------------------------------


def test_a_group_condition_on_an_earlier_field_of_the_item_agrees_everywhere(form):
    client = Client()
    draft = start(client)
    client.post(step_url(draft, "owner"), OWNER)
    client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"})
    posted = client.post(
        step_url(draft, "household"),
        {
            "revision": "3",
            "family-count": "1",
            "family.0.member_name": "Ben Müller",
            "family.0.member_note": "kept?",
            "family.0.member_adult": "yes",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[-6000:]
    draft.refresh_from_db()
    assert draft.answers["family"] == [{"member_name": "Ben Müller", "member_adult": True}]
    # the page shows what the check keeps: the note is not asked for
    page = client.get(step_url(draft, "household")).content.decode()
    assert 'name="family.0.member_name"' in page
    assert 'name="family.0.member_note"' not in page
    # stored answers (an older version, an import) are read the same way
    spec = spec_of(draft.definition)
    stored = {**draft.answers, "family": [{**draft.answers["family"][0], "member_note": "x"}]}
    today = timezone.localdate()
    assert visible_answers(spec, stored, today=today)["family"] == draft.answers["family"]


# --- 9. past its expiry before the hourly job ran -----------------------------------------------


def test_a_draft_past_its_expiry_is_closed_before_the_job_runs(form):
    client = Client()
    draft = start(client)
    assert client.post(step_url(draft, "owner"), {**OWNER, "action": "later"}).status_code == 302
    client.post(f"/online/draft/{draft.public_id}/later/", {"email": "anna@example.org"})
    body = render("forms/resume_link", Message.objects.get().context).body
    token = re.search(r"/online/resume/([^/]+)/", body)[1]  # type: ignore[index]
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    draft.refresh_from_db()
    assert draft.state == DraftState.OPEN  # the job has not run
    with unchanged(Draft, DraftEvent):
        page = client.get(f"/en{step_url(draft, 'pet')}")
        assert page.status_code == 410
        assert "not finished in time" in page.content.decode()
        posted = client.post(step_url(draft, "pet"), {**PET_DOG, "revision": "2"})
        assert posted.status_code == 410
        assert client.get(f"/online/draft/{draft.public_id}/summary/").status_code == 410
        resumed = Client().get(f"/online/resume/{token}/")
        assert resumed.status_code == 410
        with pytest.raises(Conflict) as refused:
            draft_step_save(
                draft=draft, step_key="pet", data=PET_DOG, files={}, revision=2, actor=ACTOR
            )
    assert refused.value.code == "draft-expired"


# --- 4. the expiry job clears, then deletes ------------------------------------------------------


def test_expiry_clears_the_answers_and_later_deletes_the_draft(form, settings, monkeypatch):
    monkeypatch.setattr(drafts, "EXPIRE_BATCH", 2)
    now = timezone.now()
    made = [_draft_at(form, "household", now=now)[0] for _ in range(3)]
    kept = draft_start(definition=form, citizen=None, language="de", actor=ACTOR, now=now)
    Draft.objects.filter(pk=kept.pk).update(expires_at=now + dt.timedelta(days=100))
    later = made[0].expires_at + dt.timedelta(seconds=1)
    assert drafts_expire(now=later) == 3  # in batches of 2, until none is due
    for draft in made:
        draft.refresh_from_db()
        assert (draft.state, draft.answers, draft.steps_done) == (DraftState.EXPIRED, {}, [])
    settings.FORMS_EXPIRED_DRAFTS_KEEP_DAYS = 30
    assert drafts_expire(now=later + dt.timedelta(days=29)) == 0
    assert Draft.objects.count() == 4
    drafts_expire(now=later + dt.timedelta(days=30, seconds=1))
    assert list(Draft.objects.all()) == [kept]
    assert set(DraftEvent.objects.values_list("draft_id", flat=True)) == {kept.pk}


# --- 5. uploads kept until the Hamburg date the draft expires ----------------------------------


def test_uploads_are_kept_until_the_hamburg_day_the_draft_expires(form, uploads_root):
    # 22:30 UTC is 00:30 the next day in Hamburg (summer time)
    now = dt.datetime(2025, 6, 10, 22, 30, tzinfo=dt.UTC)
    draft, revision = _draft_at(form, "documents", now=now)
    draft = draft_step_save(
        draft=draft,
        step_key="documents",
        data={"agree": "on"},
        files={"photo": _png()},
        revision=revision,
        actor=ACTOR,
        now=now,
    ).draft
    assert draft.expires_at == dt.datetime(2025, 6, 17, 22, 30, tzinfo=dt.UTC)
    photo = StoredFile.objects.get(owner=drafts.draft_owner(draft))
    assert photo.state == FileState.ATTACHED
    assert photo.delete_after == dt.date(2025, 6, 18)
    # a resume link sent later keeps the draft longer, and its uploads with it
    draft_resume_link_send(
        draft=draft,
        email="anna@example.org",
        language="de",
        actor=ACTOR,
        now=now + dt.timedelta(days=3),
    )
    photo.refresh_from_db()
    assert photo.delete_after == dt.date(2025, 6, 21)


# --- 2. the resume link's token only sealed in the outbox ---------------------------------------


def test_the_resume_token_is_sealed_in_the_outbox(form):
    draft = draft_start(definition=form, citizen=None, language="de", actor=ACTOR)
    draft_resume_link_send(draft=draft, email="anna@example.org", language="de", actor=ACTOR)
    message = Message.objects.get(template="forms/resume_link")
    body = render(message.template, message.context).body
    token = re.search(r"/online/resume/([^/]+)/", body)[1]  # type: ignore[index]
    assert token not in json.dumps(message.context)
    tampered = {**message.context, "sealed": message.context["sealed"][:-4] + "AAAA"}
    assert "/online/resume/" not in render(message.template, tampered).body
