"""Every write of a draft (an application being filled in): starting it, saving a step,
sending a resume link, resuming by that link, expiring old drafts, deleting one the
applicant no longer wants.

A step is saved with the revision the page was shown with: a draft changed meanwhile (in
another tab, on another device) refuses the save (`draft-stale`) instead of mixing two sets
of answers — the page then shows the newer answers. One conditional UPDATE saves a step;
the definition is parsed once per version (forms.definition.spec_of)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from hamburg_service.accounts.models import Citizen
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.tokens import token_hash
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.services import file_attach, file_delete, files_keep_until
from hamburg_service.forms.definition import FormSpec, StepSpec, spec_of
from hamburg_service.forms.fields import (
    Source,
    StepInput,
    errors_invalid,
    step_clean,
    unknown_names,
)
from hamburg_service.forms.logic import Evaluation, evaluate
from hamburg_service.forms.models import (
    DefinitionState,
    Draft,
    DraftEvent,
    DraftEventKind,
    DraftState,
    FormDefinition,
)
from hamburg_service.people.checks import today_in_hamburg

logger = logging.getLogger(__name__)

RESUME_TOKEN_BYTES = 32
EXPIRE_BATCH = 500


def draft_owner(draft: Draft) -> str:
    """The owner name of the draft's uploads (files app)."""
    return f"form-draft:{draft.public_id}"


@dataclass(frozen=True, slots=True)
class StepResult:
    draft: Draft
    step: StepSpec
    next_step: StepSpec | None  # the next step to fill in; None: the summary comes next
    exit: StepSpec | None  # a visible exit step: the form ends here
    complete: bool


def _expiry(spec: FormSpec, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=spec.resume_days)


def _files_until(expires_at: dt.datetime) -> dt.date:
    """The last day a draft's uploads are kept: the Hamburg date the draft expires on (the
    files job deletes on the day after), never a UTC date a day too early."""
    return today_in_hamburg(expires_at)


def draft_expired(draft: Draft, now: dt.datetime) -> bool:
    """Expired, or past its expiry though the hourly job has not marked it yet."""
    return draft.state == DraftState.EXPIRED or (
        draft.state == DraftState.OPEN and draft.expires_at <= now
    )


def draft_start(
    *,
    definition: FormDefinition,
    citizen: Citizen | None,
    language: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Draft:
    """A new, empty draft of the published version `definition`."""
    now = now_or(now)
    if definition.state != DefinitionState.PUBLISHED:
        raise NotFound(_("There is no such online service."), code="form-unknown")
    spec = spec_of(definition)
    with transaction.atomic():
        draft = Draft.objects.create(
            public_id=uuid.uuid4(),
            definition=definition,
            citizen=citizen,
            language=language if language in ("de", "en") else "de",
            answers={},
            steps_done=[],
            revision=1,
            email=(citizen.email if citizen else "")[:254],
            created_at=now,
            updated_at=now,
            expires_at=_expiry(spec, now),
        )
        event_record(
            draft, kind=DraftEventKind.STARTED, actor=actor, at=now, data={"form": spec.slug}
        )
    return draft


def _open(draft: Draft, now: dt.datetime) -> None:
    if draft.state == DraftState.SUBMITTED:
        raise Conflict(
            _("This application has been submitted already; it cannot be changed."),
            code="draft-submitted",
        )
    if draft_expired(draft, now):
        raise Conflict(
            _("This application was not finished in time and has been deleted."),
            code="draft-expired",
        )


def draft_open_check(draft: Draft, *, now: dt.datetime | None = None) -> None:
    """Conflict `draft-submitted` or `draft-expired` unless the draft can still be changed."""
    _open(draft, now_or(now))


def stale_error() -> Conflict:
    return Conflict(
        _(
            "This application was changed in another window or on another device after you "
            "opened this page. We show the answers saved there — nothing was mixed. Please "
            "check them and save again."
        ),
        code="draft-stale",
    )


def step_reachable(evaluation: Evaluation, draft: Draft, step_key: str) -> StepSpec:
    """The step `step_key` if it is shown and every step before it is done; Conflict
    `step-out-of-order` (or NotFound for a step that is not shown) otherwise."""
    for step in evaluation.steps:
        if step.key == step_key:
            if step.exit:
                break
            return step
        if step.exit or step.key not in draft.steps_done:
            raise Conflict(
                _("Please fill in “%(step)s” first.") % {"step": step.key},
                code="step-out-of-order",
                extra={"step": step.key},
            )
    raise NotFound(_("This step is not part of your application."), code="step-unknown")


def _next_step(evaluation: Evaluation, after: str, done: list[str]) -> StepSpec | None:
    """The first visible step not yet done (an exit step included); None when all are."""
    for step in evaluation.steps:
        if step.exit or step.key not in done:
            return step
    del after
    return None


def draft_step_check(
    *,
    draft: Draft,
    step_key: str,
    data: Any,
    files: Any,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[StepSpec, StepInput]:
    """Read and check a posted step without saving it (the page's "Add another" and
    "Remove" buttons show the step again): the step and what was entered."""
    now = now_or(now)
    _open(draft, now)
    spec = spec_of(draft.definition)
    today = today_in_hamburg(now)
    evaluation = evaluate(spec, draft.answers, today=today)
    step = step_reachable(evaluation, draft, step_key)
    source = Source(data, files)
    checked = step_clean(
        spec=spec,
        step=step,
        answers=draft.answers,
        source=source,
        today=today,
        actor=actor,
        owner=draft_owner(draft),
    )
    return step, checked


def draft_step_save(
    *,
    draft: Draft,
    step_key: str,
    data: Any,
    files: Any,
    revision: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> StepResult:
    """Check the step's visible fields and save them: answers, the step done, revision + 1.
    InvalidInput with every field's message (`StepInput` in `extra["input"]`, for the page);
    InvalidInput `field-unknown` for a name the form does not have; Conflict `draft-stale`
    when the draft has a newer revision, `step-out-of-order` when a step before it is not
    done."""
    now = now_or(now)
    _open(draft, now)
    spec = spec_of(draft.definition)
    today = today_in_hamburg(now)
    if revision != draft.revision:
        raise stale_error()
    source = Source(data, files)
    unknown = unknown_names(spec, source)
    if unknown:
        message = _("This form has no field “%(name)s”.") % {"name": unknown[0][:60]}
        raise InvalidInput(
            message,
            code="field-unknown",
            errors=[{"field": n[:60], "message": message} for n in unknown[:20]],
        )
    evaluation = evaluate(spec, draft.answers, today=today)
    step = step_reachable(evaluation, draft, step_key)
    checked = step_clean(
        spec=spec,
        step=step,
        answers=draft.answers,
        source=source,
        today=today,
        actor=actor,
        owner=draft_owner(draft),
    )
    if not checked.valid:
        error = errors_invalid(checked.errors)
        error.extra["input"] = checked
        raise error
    answers = dict(draft.answers)
    for spec_field in step.inputs:
        answers.pop(spec_field.key, None)  # a hidden field's old answer is not kept
    answers.update(checked.values)
    done = [k for k in draft.steps_done if k != step.key] + [step.key]
    after = evaluate(spec, answers, today=today)
    visible = {s.key for s in after.steps}
    done = [k for k in done if k in visible]
    expires_at = _expiry(spec, now)
    with transaction.atomic():
        changed = Draft.objects.filter(
            pk=draft.pk, revision=revision, state=DraftState.OPEN, expires_at__gt=now
        ).update(
            answers=answers,
            steps_done=done,
            revision=F("revision") + 1,
            updated_at=now,
            expires_at=expires_at,
        )
        if not changed:
            fresh = Draft.objects.get(pk=draft.pk)
            _open(fresh, now)
            raise stale_error()
        event_record(
            draft,
            kind=DraftEventKind.STEP_SAVED,
            actor=actor,
            at=now,
            data={"step": step.key, "revision": revision + 1},
        )
        if checked.staged:
            file_attach(
                files=checked.staged,
                owner=draft_owner(draft),
                actor=actor,
                delete_after=_files_until(expires_at),
                now=now,
            )
        for stored in checked.removed:
            file_delete(file=stored, actor=actor, reason="removed by the applicant", now=now)
        if _files_until(expires_at) != _files_until(draft.expires_at) and _has_files(spec, answers):
            files_keep_until(
                owner=draft_owner(draft),
                delete_after=_files_until(expires_at),
                actor=actor,
                now=now,
            )
    draft.answers = answers
    draft.steps_done = done
    draft.revision = revision + 1
    draft.updated_at = now
    draft.expires_at = expires_at
    return StepResult(
        draft=draft,
        step=step,
        next_step=_next_step(after, step.key, done),
        exit=after.exit,
        complete=after.exit is None and all(s.key in done for s in after.steps),
    )


def _has_files(spec: FormSpec, answers: dict[str, Any]) -> bool:
    return any(answers.get(key) for key, f in spec.fields_by_key.items() if f.type == "file")


def draft_complete(draft: Draft, *, today: dt.date) -> bool:
    """Every visible step done and no exit step shown: ready for the summary and submitting."""
    evaluation = evaluate(spec_of(draft.definition), draft.answers, today=today)
    return evaluation.exit is None and all(s.key in draft.steps_done for s in evaluation.steps)


def draft_resume_link_send(
    *,
    draft: Draft,
    email: str,
    language: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Draft:
    """E-mail a link to continue the draft elsewhere, valid for the form's `resume_days`.
    Only the token's hash is kept; a new link replaces the one sent before."""
    from hamburg_service.forms.mails import resume_link_mail

    now = now_or(now)
    _open(draft, now)
    spec = spec_of(draft.definition)
    token = secrets.token_urlsafe(RESUME_TOKEN_BYTES)
    expires = now + dt.timedelta(days=spec.resume_days)
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        _open(locked, now)
        before = locked.expires_at
        locked.email = email[:254]
        locked.resume_token_hash = token_hash(token)
        locked.resume_expires_at = expires
        locked.expires_at = max(locked.expires_at, expires)
        locked.save(update_fields=["email", "resume_token_hash", "resume_expires_at", "expires_at"])
        event_record(locked, kind=DraftEventKind.RESUME_LINK_SENT, actor=actor, at=now)
        if _files_until(locked.expires_at) != _files_until(before) and _has_files(
            spec, locked.answers
        ):
            # the uploads stay as long as the draft the link keeps
            files_keep_until(
                owner=draft_owner(locked),
                delete_after=_files_until(locked.expires_at),
                actor=actor,
                now=now,
            )
        resume_link_mail(draft=locked, token=token, language=language, now=now)
    return locked


def draft_resume(*, token: str, actor: Actor, now: dt.datetime | None = None) -> Draft:
    """The draft a resume link names, while the link is valid. NotFound for an unknown
    link; Conflict `resume-expired` for one that ran out (or a draft no longer open)."""
    now = now_or(now)
    if not token or len(token) > 100:
        raise NotFound(_("This link is not valid."), code="resume-unknown")
    draft = (
        Draft.objects.select_related("definition")
        .filter(resume_token_hash=token_hash(token))
        .first()
    )
    if draft is None:
        raise NotFound(_("This link is not valid."), code="resume-unknown")
    if draft.state == DraftState.SUBMITTED:
        raise Conflict(
            _("This application has been submitted already; it cannot be changed."),
            code="draft-submitted",
        )
    if (
        draft.state != DraftState.OPEN
        or draft_expired(draft, now)
        or draft.resume_expires_at is None
        or draft.resume_expires_at <= now
    ):
        raise Conflict(
            _(
                "This link has expired: an application not finished is kept only for a few "
                "days. Please start again."
            ),
            code="resume-expired",
            extra={"slug": draft.definition.slug},
        )
    event_record(draft, kind=DraftEventKind.RESUMED, actor=actor, at=now)
    return draft


def drafts_expire(*, now: dt.datetime | None = None) -> int:
    """Drafts past their expiry: marked expired, their answers cleared and their uploads
    deleted (staged ones go with the files retention job); drafts expired more than
    FORMS_EXPIRED_DRAFTS_KEEP_DAYS ago are deleted with their events. In batches until none
    is due. Returns how many drafts expired."""
    now = now_or(now)
    actor = Actor.system("forms.drafts_expire")
    expired = 0
    after_pk = 0
    while True:
        due = list(
            Draft.objects.filter(state=DraftState.OPEN, expires_at__lte=now, pk__gt=after_pk)
            .order_by("pk")
            .values_list("pk", "public_id")[:EXPIRE_BATCH]
        )
        if not due:
            break
        after_pk = due[-1][0]
        for pk, public_id in due:
            expired += _draft_expire(pk=pk, public_id=public_id, actor=actor, now=now)
    deleted = _expired_drafts_delete(now=now)
    if expired or deleted:
        logger.info("drafts expired: %d, expired drafts deleted: %d", expired, deleted)
    return expired


def _draft_expire(*, pk: int, public_id: uuid.UUID, actor: Actor, now: dt.datetime) -> int:
    with transaction.atomic():
        changed = Draft.objects.filter(pk=pk, state=DraftState.OPEN, expires_at__lte=now).update(
            state=DraftState.EXPIRED,
            answers={},
            steps_done=[],
            resume_token_hash=None,
            updated_at=now,
        )
        if not changed:
            return 0
        draft = Draft(pk=pk, public_id=public_id)
        event_record(draft, kind=DraftEventKind.EXPIRED, actor=actor, at=now)
        for stored in StoredFile.objects.filter(owner=draft_owner(draft)).exclude(
            state=FileState.DELETED
        ):
            file_delete(file=stored, actor=actor, reason="draft expired", now=now)
    return 1


def _expired_drafts_delete(*, now: dt.datetime) -> int:
    """Delete drafts expired (and cleared) more than the kept days ago, with their events."""
    before = now - dt.timedelta(days=settings.FORMS_EXPIRED_DRAFTS_KEEP_DAYS)
    deleted = 0
    while True:
        batch = list(
            Draft.objects.filter(state=DraftState.EXPIRED, updated_at__lte=before)
            .order_by("pk")
            .values_list("pk", flat=True)[:EXPIRE_BATCH]
        )
        if not batch:
            break
        with transaction.atomic():
            DraftEvent.objects.filter(draft_id__in=batch).delete()
            _total, by_model = Draft.objects.filter(
                pk__in=batch, state=DraftState.EXPIRED, updated_at__lte=before
            ).delete()
        count = by_model.get(Draft._meta.label, 0)
        deleted += count
        if not count:
            break
    return deleted


DELETED_BY_APPLICANT = "draft deleted by the applicant"


def draft_delete(
    *, draft: Draft, citizen: Citizen, actor: Actor, now: dt.datetime | None = None
) -> Draft:
    """The citizen deletes their open draft: its answers are emptied and its uploads' contents
    deleted at once; the draft ends as expired (recorded as such, "by the applicant"), and the
    drafts' retention job removes the row with its events. NotFound for a draft of another
    account or one no longer open."""
    now = now_or(now)
    with transaction.atomic():
        locked = (
            Draft.objects.select_for_update()
            .filter(pk=draft.pk, citizen=citizen, state=DraftState.OPEN)
            .first()
        )
        if locked is None:
            raise NotFound(_("There is no such draft."), code="draft-unknown")
        files = list(
            StoredFile.objects.filter(owner=draft_owner(locked)).exclude(state=FileState.DELETED)
        )
        for stored in files:
            file_delete(file=stored, actor=actor, reason=DELETED_BY_APPLICANT, now=now)
        locked.state = DraftState.EXPIRED
        locked.answers = {}
        locked.expires_at = now
        locked.resume_token_hash = None
        locked.resume_expires_at = None
        locked.updated_at = now
        locked.revision += 1
        locked.save(
            update_fields=[
                "state",
                "answers",
                "expires_at",
                "resume_token_hash",
                "resume_expires_at",
                "updated_at",
                "revision",
            ]
        )
        event_record(
            locked,
            kind=DraftEventKind.EXPIRED,
            actor=actor,
            at=now,
            data={"deleted_by": "applicant", "files": len(files)},
        )
    return locked
