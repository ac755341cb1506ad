"""Submitting never loses anything and never makes two: the same key or a repeated submit
gives the one submission, an incomplete draft is refused with nothing written, and two
submits of one draft at the same moment (real threads, on SQLite and PostgreSQL) make one
submission and one case."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone, translation
from tests.forms.submission_support import *  # noqa: F403
from tests.forms.submission_support import pdf_upload, submit, walk
from tests.forms.test_services_dog_registration import DOG, OWNER
from tests.support.db import unchanged

from hamburg_service.cases.models import Case, CaseFile
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Conflict, InvalidInput
from hamburg_service.files.models import StoredFile
from hamburg_service.forms.models import Draft, DraftState, Handoff, Submission, SubmissionEvent
from hamburg_service.forms.services.submissions import submission_create
from hamburg_service.notifications.models import Message

ACTOR = Actor.resident("heike.hoffmann@example.org")


def _complete(client: Client) -> Draft:
    return walk(
        client,
        "dog-registration",
        [
            ("owner", OWNER),
            ("dog", DOG),
            (
                "insurance",
                {
                    "insurer": "Hanse Versicherung",
                    "policy_number": "HV-123",
                    "liability_insurance": pdf_upload(),
                },
            ),
            ("fee", {"fee_accepted": "on"}),
        ],
    )


@pytest.mark.usefixtures("services")
def test_the_same_key_and_any_later_submit_give_the_one_submission():
    client = Client()
    draft = _complete(client)
    first = submit(client, draft)
    again = submit(client, draft)  # a double click: the same key
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    submission = Submission.objects.get()
    other_key = submission_create(draft=draft, idempotency_key="another-key", actor=ACTOR)
    assert other_key.pk == submission.pk
    assert (
        submission_create(draft=draft, idempotency_key=submission.idempotency_key, actor=ACTOR).pk
        == submission.pk
    )
    assert Case.objects.count() == 1
    assert SubmissionEvent.objects.filter(kind="submitted").count() == 1
    assert Handoff.objects.count() == 1
    assert Message.objects.filter(template="forms/submission_receipt").count() == 1
    assert not hasattr(other_key, "status_secret")


@pytest.mark.usefixtures("services")
def test_a_key_used_for_another_draft_answers_like_a_new_key_and_blocks_nothing():
    client = Client()
    draft = _complete(client)
    first = submission_create(draft=draft, idempotency_key="1", actor=ACTOR)
    other = _complete(client)
    # Another API client choosing the same key, or a key naming the first draft: a new
    # submission of its own draft — nothing of the first is returned, nothing blocked.
    made = submission_create(draft=other, idempotency_key="1", actor=ACTOR)
    assert made.pk != first.pk
    assert made.draft_id == other.pk
    assert made.idempotency_key == f"{other.public_id}:1"
    assert first.idempotency_key == f"{draft.public_id}:1"
    assert Case.objects.count() == 2


@pytest.mark.usefixtures("services")
def test_the_web_form_ignores_a_posted_key_so_no_draft_can_block_another():
    client = Client()
    victim = _complete(client)
    mine = _complete(client)
    response = submit(client, mine, idempotency_key=f"draft:{victim.public_id}")
    assert response.status_code == 302
    assert Submission.objects.get(draft=mine).idempotency_key == f"draft:{mine.public_id}"
    assert submit(client, victim).status_code == 302  # not blocked
    assert Submission.objects.get(draft=victim).idempotency_key == f"draft:{victim.public_id}"


@pytest.mark.usefixtures("services")
def test_a_client_key_too_long_or_with_control_characters_is_refused():
    draft = _complete(Client())
    for key in ("k" * 61, "a\x00b", "  "):
        with unchanged(Case, Submission, Draft), pytest.raises(InvalidInput) as refused:
            submission_create(draft=draft, idempotency_key=key, actor=ACTOR)
        assert refused.value.code == "idempotency-key-invalid"
    assert submission_create(draft=draft, idempotency_key="k" * 60, actor=ACTOR).pk


@pytest.mark.usefixtures("services")
def test_an_incomplete_draft_is_refused_with_a_clear_message_and_nothing_written():
    client = Client()
    draft = walk(client, "dog-registration", [("owner", OWNER), ("dog", DOG)])
    with unchanged(Case, Submission, Draft, StoredFile, Message):
        response = submit(client, draft)
    assert response.status_code == 409
    page = response.content.decode()
    assert "noch nicht abgeschickt" in page or "not been sent" in page
    with pytest.raises(Conflict) as refused:
        submission_create(draft=draft, idempotency_key="k-1", actor=ACTOR)
    assert refused.value.code == "draft-incomplete"
    draft.refresh_from_db()
    assert draft.state == DraftState.OPEN


@pytest.mark.usefixtures("services")
def test_a_stale_summary_is_refused_and_shows_the_way_back():
    client = Client()
    draft = _complete(client)
    with unchanged(Case, Submission, Draft):
        response = submit(client, draft, revision=str(draft.revision - 1))
    assert response.status_code == 409
    assert f"/online/draft/{draft.public_id}/summary/" in response.content.decode()


@pytest.mark.usefixtures("services")
@pytest.mark.parametrize("revision", ["²", "١", "", "x", "9" * 12])
def test_a_revision_that_is_no_number_is_refused_as_stale_never_a_500(revision):
    client = Client()
    draft = _complete(client)
    with unchanged(Case, Submission, Draft):
        response = submit(client, draft, revision=revision)
    assert response.status_code == 409
    assert f"/online/draft/{draft.public_id}/summary/" in response.content.decode()


@pytest.mark.usefixtures("services")
def test_the_revision_is_compared_on_the_locked_draft():
    draft = _complete(Client())
    with (
        unchanged(Case, Submission, Draft),
        translation.override("en"),
        pytest.raises(Conflict) as refused,
    ):
        submission_create(draft=draft, expected_revision=draft.revision + 1, actor=ACTOR)
    assert refused.value.code == "draft-stale"
    assert "changed in another window" in refused.value.detail
    made = submission_create(draft=draft, expected_revision=draft.revision, actor=ACTOR)
    assert made.idempotency_key == f"draft:{draft.public_id}"


@pytest.mark.usefixtures("services")
def test_a_draft_past_its_expiry_is_not_submitted_before_the_job_has_run():
    client = Client()
    draft = _complete(client)
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    draft.refresh_from_db()
    with unchanged(Case, Submission, Draft, StoredFile, Message):
        with translation.override("en"), pytest.raises(Conflict) as refused:
            submission_create(draft=draft, actor=ACTOR)
        response = submit(client, draft)
    assert refused.value.code == "draft-expired"
    assert "not finished in time" in refused.value.detail
    assert response.status_code in (404, 409)


@pytest.mark.usefixtures("services")
def test_a_draft_of_someone_else_is_not_found():
    draft = _complete(Client())
    with unchanged(Case, Submission):
        response = submit(Client(), draft)
    assert response.status_code == 404
    assert Client().get(f"/online/draft/{draft.public_id}/submit/").status_code in (404, 405)


@pytest.mark.usefixtures("services")
def test_an_upload_gone_before_submitting_is_refused_and_nothing_is_written():
    client = Client()
    draft = _complete(client)
    StoredFile.objects.filter(owner=f"form-draft:{draft.public_id}").update(
        state="deleted", storage_name=""
    )
    with unchanged(Case, Submission, CaseFile):
        response = submit(client, draft)
    assert response.status_code == 409
    assert "insurance" in response.content.decode()  # the way back to the step


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_draft_at_once_make_one_submission_and_one_case(request):
    request.getfixturevalue("services")
    client = Client()
    draft = _complete(client)
    outcomes: list[str] = []
    ids: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def run(key: str | None) -> None:
        try:
            barrier.wait(timeout=10)
            made = submission_create(draft=draft, idempotency_key=key, actor=ACTOR)
            result = "ok"
            with lock:
                ids.append(made.pk)
        except AppError as error:
            result = f"{error.status} {error.code}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(k,)) for k in (None, "api-key-1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(outcomes) == {"ok": 2}
    assert len(set(ids)) == 1
    assert Submission.objects.count() == 1
    assert Case.objects.count() == 1
    assert CaseFile.objects.count() == 1
