"""Submitting an application (docs/online-services.md, "Submission"): nothing is lost, nothing
is made twice.

`submission_create` writes everything in one transaction — the draft locked, its handler's
case (forms.handlers: channel online, the account on it, the service's own writes), the
draft's uploads moved to the case with the documents they answer, the `Submission` with the
visible answers and the definition version they were filled in, its event, the hand-offs to
outside systems (forms.handoffs) and the receipt e-mail (forms.receipt) in the outbox — or
nothing. Sending happens after the commit.

**Once**: the idempotency key is unique — the web form's is the draft's own
(`draft:<public id>`, whatever a posted form says), an API client's `Idempotency-Key` is kept
scoped to its draft (`<draft public id>:<key>`), so that a key can neither block nor reveal
another draft's submission; a repeated request with the same key gets the submission made the
first time, and so does any later submit of a submitted draft (a double click, a resent
request, two tabs). **Current**: the revision the summary showed is compared on the locked
draft (`expected_revision`); a draft past its `expires_at` is refused even before the expiry
job has run. Two submits of one draft at the same moment wait for each other
on the draft's row lock (on SQLite the one writer's lock): the second finds the first's
submission. No case is opened twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hamburg_service.cases.documents import required_labels
from hamburg_service.cases.forecast import case_forecast
from hamburg_service.cases.models import Case, CaseDocument, CaseFile
from hamburg_service.cases.services.case_files import case_file_owner
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.text import text_refused
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.services import file_transfer
from hamburg_service.forms.definition import FormSpec, spec_of
from hamburg_service.forms.handlers import SubmitContext, handler_for
from hamburg_service.forms.logic import evaluate
from hamburg_service.forms.models import (
    Draft,
    DraftEventKind,
    DraftState,
    Handoff,
    HandoffState,
    Submission,
    SubmissionEventKind,
)
from hamburg_service.forms.services.drafts import draft_owner
from hamburg_service.people.checks import today_in_hamburg

KEY_MAX = 60  # a client's key; stored scoped to the draft (36 + 1 + 60 ≤ the column's 100)


def web_key(draft: Draft) -> str:
    """The idempotency key of a submit from the web form: the draft's own."""
    return f"draft:{draft.public_id}"


def client_key(draft: Draft, key: str | None) -> str:
    """An API client's `Idempotency-Key` as stored: checked, and scoped to the draft."""
    return f"{draft.public_id}:{key_clean(key)}"


def key_clean(key: str | None) -> str:
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX or text_refused(key):
        raise InvalidInput.field(
            "idempotency_key",
            _("The idempotency key must be 1 to %(max)d characters without control characters.")
            % {"max": KEY_MAX},
            code="idempotency-key-invalid",
        )
    return key


def incomplete() -> Conflict:
    return Conflict(
        _(
            "Your application is not complete yet. Please answer every step; then check the "
            "summary and submit."
        ),
        code="draft-incomplete",
    )


def _draft_files(
    spec: FormSpec, answers: dict[str, Any], draft: Draft
) -> dict[str, list[StoredFile]]:
    """The uploads the visible answers name, by field key, in the order given."""
    wanted = {
        key: [_hex(v) for v in value]
        for key, value in answers.items()
        if key in spec.fields_by_key
        and spec.field(key).type == "file"
        and isinstance(value, list)
        and value
    }
    ids = [i for values in wanted.values() for i in values]
    if not ids:
        return {}
    found = {
        f.public_id.hex: f
        for f in StoredFile.objects.filter(
            public_id__in=[i for i in ids if i],
            owner=draft_owner(draft),
            state=FileState.ATTACHED,
        )
    }
    missing = [key for key, values in wanted.items() if not set(values) <= set(found)]
    if missing:
        message = _(
            "A file of this application is no longer there (it may have been removed). "
            "Please go back to the step and upload it again."
        )
        raise Conflict(
            message,
            code="file-missing",
            errors=[{"field": key, "message": message} for key in missing],
        )
    return {key: [found[i] for i in values] for key, values in wanted.items()}


def _hex(value: Any) -> str:
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        return ""


def _document_key(field_key: str) -> str:
    return field_key.replace("_", "-")[:50]


def _files_to_case(
    *,
    case: Case,
    spec: FormSpec,
    files: dict[str, list[StoredFile]],
    from_owner: str,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """The uploads become the case's files, each question a document of the case received
    now (its key from the field's key: `employment_contract` → `employment-contract`, the
    case type's required documents use the same keys)."""
    if not files:
        return
    every = [f for stored in files.values() for f in stored]
    file_transfer(
        files=every,
        from_owner=from_owner,
        to_owner=case_file_owner(case),
        actor=actor,
        now=now,
    )
    labels = required_labels(case)
    documents = {}
    for key in files:
        document_key = _document_key(key)
        documents[key] = CaseDocument.objects.create(
            case=case,
            key=document_key,
            label=(labels.get(document_key) or spec.field(key).label(case.language))[:200],
            received_at=now,
        )
    CaseFile.objects.bulk_create(
        CaseFile(case=case, document=documents[key], file=stored, added_at=now)
        for key, stored_files in files.items()
        for stored in stored_files
    )


def _email_of(spec: FormSpec, answers: dict[str, Any], draft: Draft) -> str:
    source = spec.case_map.get("email")
    if isinstance(source, str) and isinstance(answers.get(source), str) and answers[source]:
        return str(answers[source])
    if draft.email:
        return draft.email
    return draft.citizen.email if draft.citizen is not None else ""


def _existing(key: str, draft: Draft) -> Submission | None:
    """The submission this request repeats: by its key (scoped to this draft), or the
    draft's own."""
    found = (
        Submission.objects.filter(idempotency_key=key, draft_id=draft.pk)
        .select_related("case")
        .first()
    )
    if found is not None:
        return found
    return Submission.objects.filter(draft_id=draft.pk).select_related("case").first()


def stale() -> Conflict:
    return Conflict(
        _(
            "Your answers were changed in another window or on another device after this "
            "summary was shown. Nothing was sent. Please check the summary again and then "
            "send the application."
        ),
        code="draft-stale",
    )


def expired() -> Conflict:
    return Conflict(
        _("This application was not finished in time and has been deleted."),
        code="draft-expired",
    )


def submission_create(
    *,
    draft: Draft,
    actor: Actor,
    idempotency_key: str | None = None,
    expected_revision: int | None = None,
    person_id: int | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Submit a complete draft (module docstring). Returns the submission — the one made
    before when this repeats a submit. Conflict `draft-incomplete` while a visible step is
    not done or an exit step shows, `draft-expired` for a draft no longer kept or past its
    `expires_at`, `draft-stale` when the draft's revision is not `expected_revision` (the
    answers changed after the summary was shown), `file-missing` when an upload is gone; the
    handler's refusals (InvalidInput naming the field) likewise. A refused submit leaves the
    draft as it was. `idempotency_key`: an API client's key (at most 60 characters, scoped
    to this draft); without one (the web form), the draft's own. The returned submission
    carries `status_secret` (the case's status secret) only when it was made now.
    `person_id`: the person record the submitting sign-in may act for
    (`CitizenSession.person_id`); the handlers open the case with it only then."""
    from hamburg_service.forms import handoffs, receipt

    now = now_or(now)
    key = web_key(draft) if idempotency_key is None else client_key(draft, idempotency_key)
    before = _existing(key, draft)
    if before is not None:
        return before
    today = today_in_hamburg(now)
    try:
        with write_transaction():
            locked = (
                Draft.objects.select_for_update(of=("self",))
                .select_related("definition", "citizen")
                .filter(pk=draft.pk)
                .first()
            )
            if locked is None:
                raise NotFound(_("There is no such application."), code="draft-unknown")
            repeated = Submission.objects.filter(draft_id=locked.pk).first()
            if repeated is not None:
                return repeated
            if locked.state != DraftState.OPEN or (
                locked.expires_at is not None and locked.expires_at <= now
            ):
                raise expired()
            if expected_revision is not None and locked.revision != expected_revision:
                raise stale()
            spec = spec_of(locked.definition)
            evaluation = evaluate(spec, locked.answers, today=today)
            if evaluation.exit is not None or any(
                s.key not in locked.steps_done for s in evaluation.steps
            ):
                raise incomplete()
            try:
                handler = handler_for(spec.handler)
            except LookupError:
                raise Conflict(
                    _("This application cannot be taken online at the moment."),
                    code="handler-missing",
                ) from None
            answers = evaluation.answers
            files = _draft_files(spec, answers, locked)
            context = SubmitContext(
                submission_answers=answers,
                spec=spec,
                draft=locked,
                citizen=locked.citizen,
                language=locked.language,
                email=_email_of(spec, answers, locked),
                actor=actor,
                now=now,
                files=files,
                person_id=person_id,
            )
            case = handler(context)
            _files_to_case(
                case=case,
                spec=spec,
                files=files,
                from_owner=draft_owner(locked),
                actor=actor,
                now=now,
            )
            forecast = case_forecast(case, now=now)
            submission = Submission.objects.create(
                public_id=uuid.uuid4(),
                idempotency_key=key,
                definition=locked.definition,
                draft=locked,
                citizen=locked.citizen,
                case=case,
                answers=answers,
                language=locked.language,
                email=context.email,
                submitted_at=now,
                expected_on=forecast.p80 if forecast is not None else None,
            )
            locked.state = DraftState.SUBMITTED
            locked.resume_token_hash = None
            locked.updated_at = now
            locked.save(update_fields=["state", "resume_token_hash", "updated_at"])
            event_record(
                locked,
                kind=DraftEventKind.SUBMITTED,
                actor=actor,
                at=now,
                data={"submission": str(submission.public_id)},
            )
            event_record(
                submission,
                kind=SubmissionEventKind.SUBMITTED,
                actor=actor,
                at=now,
                data={
                    "case": case.reference,
                    "form": spec.slug,
                    "version": locked.definition.version,
                    "files": sum(len(f) for f in files.values()),
                },
            )
            made = Handoff.objects.bulk_create(
                Handoff(
                    submission=submission,
                    kind=h["kind"],
                    target=h["to"][:500],
                    state=HandoffState.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                )
                for h in spec.handoffs
            )
            receipt.receipt_mail_queue(submission, now=now)
            if made:
                ids = [h.pk for h in made if h.pk is not None] or list(
                    Handoff.objects.filter(submission=submission).values_list("pk", flat=True)
                )
                transaction.on_commit(lambda: handoffs.handoffs_wake(ids))
    except IntegrityError:
        # Another request with this key (or for this draft) committed first: that one counts.
        found = _existing(key, draft)
        if found is None:
            raise
        return found
    submission.status_secret = context.secret  # type: ignore[attr-defined]
    return submission
