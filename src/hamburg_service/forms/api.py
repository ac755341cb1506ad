"""The online services through the JSON API (docs/online-services.md, "API"): list the
services, read a definition, fill a draft step by step with the same checks as the pages,
submit it once, follow the submission.

**Who may use a draft**: whoever holds its token. Starting a draft answers with `token`
(shown only then); every later call sends it in the `Draft-Token` header. A service that
needs a sign-in is started from a signed-in citizen's session (the cookie of "my account"),
and a draft of an account also needs that account's session on every call. A draft or a
submission that the caller may not use answers 404, like one that does not exist.

**Files**: upload a file field's files with the step as `multipart/form-data` is not
offered; send them first through the page, or name files staged by
`POST /online/drafts/{id}/files/{field}` in the step as `"<field>-staged": [tokens]` (a token
is valid for that draft and field only); remove attached ones with `"<field>-remove": [ids]`.

**Sign-in cookie**: a request that relies on the citizen session (starting a draft of an
account, any change to an account's draft) is a write with a cookie, so it needs Django's
CSRF token (`X-CSRFToken` header with the `csrftoken` cookie) like the pages; a draft without
account is used with its token header alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.utils import check_csrf
from pydantic import StringConstraints

from hamburg_service.accounts.citizens import citizen_session
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.api_schemas import InputSchema, answers
from hamburg_service.core.errors import Forbidden, InvalidInput, NotFound
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.files.forms import staged_token
from hamburg_service.files.services import file_store
from hamburg_service.forms.definition import published, spec_of
from hamburg_service.forms.fields import policy_of, upload_bind, upload_purpose
from hamburg_service.forms.logic import evaluate
from hamburg_service.forms.models import DefinitionState, Draft, FormDefinition, Submission
from hamburg_service.forms.services import drafts
from hamburg_service.forms.services.submissions import submission_create
from hamburg_service.forms.session import resident_actor, spec_trusted
from hamburg_service.people.checks import today_in_hamburg

router = Router(tags=["online services"])

TOKEN_HEADER = "Draft-Token"  # noqa: S105 - the header's name
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,59}$"
STEP_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
FIELD_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
# a field's key; its staged files, its attached files to remove
ANSWER_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}(-staged|-remove)?$"
UPLOAD_RATE = "60/h"  # file uploads per client address


def draft_token(draft: Draft) -> str:
    """The draft's secret for the API: a keyed hash of its id (nothing to store; a new
    SECRET_KEY ends every token)."""
    key = hashlib.sha256(b"forms.draft-token:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, str(draft.public_id).encode(), hashlib.sha256).hexdigest()


def _unknown() -> NotFound:
    return NotFound(_("There is no such application."), code="draft-unknown")


def _csrf_checked(request: HttpRequest) -> None:
    """A write that relies on the citizen's session cookie needs the CSRF token, as a page's
    form does (the API's views are exempt from the middleware; ninja's session auth of the
    staff routers checks the same way)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if check_csrf(request) is not None:
        raise Forbidden(
            _("The request lacks a valid CSRF token (send X-CSRFToken with the csrftoken cookie)."),
            code="csrf-failed",
        )


def _draft(request: HttpRequest, public_id: uuid.UUID, token: str) -> Draft:
    """The draft this caller holds the token of (and, for an account's draft, whose session
    it is); NotFound otherwise. A write to an account's draft is CSRF-checked."""
    draft = (
        Draft.objects.select_related("definition", "citizen").filter(public_id=public_id).first()
    )
    if draft is None or not token or not hmac.compare_digest(token, draft_token(draft)):
        raise _unknown()
    if draft.citizen_id is not None:
        session = citizen_session(request)
        if session is None or session.citizen.pk != draft.citizen_id:
            raise _unknown()
        _csrf_checked(request)
    return draft


# --- schemas ---------------------------------------------------------------------------------


class OnlineServiceOut(Schema):
    slug: str
    title: str
    intro: str
    trust_level: Literal["none", "basic", "substantial", "high"] = Field(
        description="The sign-in a draft needs (none: anyone)"
    )
    version: int = Field(description="The published version of the definition")


class DefinitionOut(OnlineServiceOut):
    definition: dict[str, Any] = Field(
        description="The form definition (forms/schema/definition.schema.json): steps, fields, "
        "conditions (JsonLogic), texts in German and English"
    )


class DraftOut(Schema):
    id: uuid.UUID
    form: str
    version: int
    state: Literal["open", "submitted", "expired"]
    revision: int = Field(description="Send it with the next step: an older one is refused")
    answers: dict[str, Any]
    steps_done: list[str]
    next_step: str | None = Field(description="The next step to fill in; none: submit")
    exit_step: str | None = Field(description="An exit step these answers lead to (not online)")
    complete: bool = Field(description="Every shown step is done: the draft can be submitted")
    expires_at: dt.datetime


class StartedOut(Schema):
    draft: DraftOut
    token: str = Field(description=f"The draft's secret: send it as {TOKEN_HEADER} (shown once)")


AnswerKey = Annotated[str, StringConstraints(pattern=ANSWER_KEY_PATTERN, max_length=60)]


class StepIn(InputSchema):
    revision: int = Field(..., ge=1, le=2**31 - 1, description="The draft's revision as read")
    answers: dict[AnswerKey, Any] = Field(
        ...,
        max_length=400,
        description=(
            "The step's fields by key, as JSON values: text, numbers, dates as YYYY, YYYY-MM "
            "or YYYY-MM-DD, yes/no as true/false, an address as an object (street, "
            "house_number, postcode, city), a group as a list of objects; files as "
            '"<field>-staged": [tokens]'
        ),
    )


class StagedOut(Schema):
    token: str = Field(description='Name it in the step as "<field>-staged": [token, …]')
    name: str
    size: int


class SubmissionOut(Schema):
    id: uuid.UUID
    reference: str = Field(description="The case's reference")
    form: str
    version: int
    status: str = Field(description="The case's status (received, in_review, …)")
    submitted_at: dt.datetime
    expected_on: dt.date | None = Field(description="Expected decision (the cases forecast)")
    status_secret: str | None = Field(
        description="The status page's secret: only in the answer that made the submission"
    )


def _draft_out(draft: Draft) -> dict[str, Any]:
    spec = spec_of(draft.definition)
    evaluation = evaluate(spec, draft.answers, today=today_in_hamburg(timezone.now()))
    next_step = next(
        (s.key for s in evaluation.steps if not s.exit and s.key not in draft.steps_done), None
    )
    complete = evaluation.exit is None and all(s.key in draft.steps_done for s in evaluation.steps)
    return {
        "id": draft.public_id,
        "form": draft.definition.slug,
        "version": draft.definition.version,
        "state": draft.state,
        "revision": draft.revision,
        "answers": draft.answers,
        "steps_done": list(draft.steps_done),
        "next_step": next_step,
        "exit_step": evaluation.exit.key if evaluation.exit is not None else None,
        "complete": complete,
        "expires_at": draft.expires_at,
    }


def _submission_out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.public_id,
        "reference": submission.case.reference,
        "form": submission.definition.slug,
        "version": submission.definition.version,
        "status": submission.case.status,
        "submitted_at": submission.submitted_at,
        "expected_on": submission.expected_on,
        "status_secret": getattr(submission, "status_secret", None) or None,
    }


def _service_out(definition: FormDefinition, language: str) -> dict[str, Any]:
    spec = spec_of(definition)
    return {
        "slug": definition.slug,
        "title": spec.title(language),
        "intro": spec.intro(language),
        "trust_level": spec.trust_level,
        "version": definition.version,
    }


# --- operations ------------------------------------------------------------------------------


@router.get(
    "/online/services",
    response=answers({200: list[OnlineServiceOut]}),
    summary="The online services",
    description="Every service with a published form, in the Accept-Language's language.",
)
def services(request: HttpRequest) -> list[dict[str, Any]]:
    language = active_suffix()
    found = FormDefinition.objects.filter(state=DefinitionState.PUBLISHED).order_by("slug")
    return [_service_out(d, language) for d in found]


@router.get(
    "/online/services/{slug}",
    response=answers({200: DefinitionOut}, 404),
    summary="A service's form definition",
    description="The published version of the form: steps, fields, conditions and texts.",
)
def service(
    request: HttpRequest, slug: str = Path(..., max_length=60, pattern=SLUG_PATTERN)
) -> dict[str, Any]:
    definition = published(slug)
    return {**_service_out(definition, active_suffix()), "definition": definition.content}


@router.post(
    "/online/services/{slug}/drafts",
    response=answers({201: StartedOut}, 403, 404),
    summary="Start a draft (the answer carries its token, once)",
    description=(
        "A new, empty draft of the published form. A service that needs a sign-in is started "
        "only from a signed-in citizen's session with the trust level it needs (403 "
        "otherwise); the draft then belongs to that account."
    ),
)
def draft_start(
    request: HttpRequest, slug: str = Path(..., max_length=60, pattern=SLUG_PATTERN)
) -> Status:
    definition = published(slug)
    spec = spec_of(definition)
    session = citizen_session(request)
    if session is not None:
        _csrf_checked(request)  # the draft would belong to the session's account
    if not spec_trusted(request, spec):
        raise Forbidden(
            _("Please sign in with the trust level this service needs."), code="sign-in-needed"
        )
    draft = drafts.draft_start(
        definition=definition,
        citizen=session.citizen if session else None,
        language=active_suffix(),
        actor=resident_actor(request),
    )
    return Status(201, {"draft": _draft_out(draft), "token": draft_token(draft)})


@router.get(
    "/online/drafts/{draft_id}",
    response=answers({200: DraftOut}, 404),
    summary="A draft: its answers, revision and next step",
)
def draft_get(
    request: HttpRequest,
    draft_id: uuid.UUID,
    draft_token_header: str = Header("", alias=TOKEN_HEADER, max_length=100),
) -> dict[str, Any]:
    return _draft_out(_draft(request, draft_id, draft_token_header))


@router.post(
    "/online/drafts/{draft_id}/steps/{step}",
    response=answers({200: DraftOut}, 404, 409),
    summary="Save a step",
    description=(
        "Check and save one step, exactly as the page does: 422 names every field to correct "
        "(`errors`, with `field` as the page names it: `birth.year`, `address.postcode`, "
        "`family.0.member_name`); 409 `draft-stale` when the revision is not the draft's "
        "(changed elsewhere: read it again), `step-out-of-order` when a step before it is "
        "not done, `draft-submitted` once submitted; 404 for a step not shown."
    ),
)
def step_save(
    request: HttpRequest,
    draft_id: uuid.UUID,
    payload: StepIn,
    step: str = Path(..., max_length=40, pattern=STEP_PATTERN),
    draft_token_header: str = Header("", alias=TOKEN_HEADER, max_length=100),
) -> dict[str, Any]:
    draft = _draft(request, draft_id, draft_token_header)
    if not spec_trusted(request, spec_of(draft.definition)):
        raise _unknown()
    try:
        result = drafts.draft_step_save(
            draft=draft,
            step_key=step,
            data=payload.answers,
            files={},
            revision=payload.revision,
            actor=resident_actor(request, draft),
        )
    except InvalidInput as error:
        error.extra.pop("input", None)  # the page's view of the step, not for the API
        raise
    return _draft_out(result.draft)


@router.post(
    "/online/drafts/{draft_id}/files/{field}",
    response=answers({201: StagedOut}, 404, 409, 413, 429),
    summary="Upload a file for a file field (checked and staged)",
    description=(
        "The file (multipart/form-data, part `file`) is checked by its content and the field's "
        "limits and kept staged; name its token in the step's answers as "
        '`"<field>-staged"` (for this draft and field only). A file that is not what it '
        "claims is refused (422); 404 for a field that is no file field of a step shown for "
        "the draft's answers, 409 for a draft no longer open."
    ),
)
def file_upload(
    request: HttpRequest,
    draft_id: uuid.UUID,
    file: File[UploadedFile],
    field: str = Path(..., max_length=40, pattern=FIELD_PATTERN),
    draft_token_header: str = Header("", alias=TOKEN_HEADER, max_length=100),
) -> Status:
    draft = _draft(request, draft_id, draft_token_header)
    spec = spec_of(draft.definition)
    if not spec_trusted(request, spec):
        raise _unknown()
    drafts.draft_open_check(draft)
    evaluation = evaluate(spec, draft.answers, today=today_in_hamburg(timezone.now()))
    found = next(
        (
            f
            for step in evaluation.steps
            if not step.exit
            for f in step.fields
            if f.key == field and f.type == "file"
        ),
        None,
    )
    if found is None:
        raise NotFound(_("This form has no such file field."), code="field-unknown")
    rate_limit(request, group="forms.api_upload", rate=UPLOAD_RATE)
    stored = file_store(
        upload=file,
        policy=policy_of(found),
        actor=resident_actor(request, draft),
        purpose=upload_purpose(spec),
    )
    token = staged_token(stored, bind=upload_bind(drafts.draft_owner(draft), found))
    return Status(201, {"token": token, "name": stored.original_name, "size": stored.size})


@router.post(
    "/online/drafts/{draft_id}/submit",
    response=answers({200: SubmissionOut, 201: SubmissionOut}, 404, 409),
    summary="Submit the draft (once per Idempotency-Key)",
    description=(
        "Submit a complete draft: the application becomes a case in the pool, with its files, "
        "in one transaction. 201 with the submission (and the status secret, once); a request "
        "repeated with the same Idempotency-Key — or any submit of a draft submitted already "
        "— answers 200 with that same submission (the key counts per draft). 409 "
        "`draft-incomplete` while a step is missing, `draft-stale` when `revision` is given "
        "and the draft was changed since, `draft-expired` for a draft no longer kept."
    ),
)
def submit(
    request: HttpRequest,
    draft_id: uuid.UUID,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=60),
    draft_token_header: str = Header("", alias=TOKEN_HEADER, max_length=100),
    revision: int | None = Query(
        None, ge=1, le=10**9, description="The draft's revision the client last read."
    ),
) -> Status:
    draft = _draft(request, draft_id, draft_token_header)
    if not spec_trusted(request, spec_of(draft.definition)):
        raise _unknown()
    session = citizen_session(request)
    submission = submission_create(
        draft=draft,
        idempotency_key=idempotency_key,
        expected_revision=revision,
        person_id=session.person_id if session else None,
        actor=resident_actor(request, draft),
    )
    secret = str(getattr(submission, "status_secret", "") or "")
    submission = Submission.objects.select_related("case", "definition").get(pk=submission.pk)
    body = {**_submission_out(submission), "status_secret": secret or None}
    return Status(201 if secret else 200, body)


@router.get(
    "/online/submissions/{submission_id}",
    response=answers({200: SubmissionOut}, 404),
    summary="A submission and the status of its case",
    description=f"With the {TOKEN_HEADER} of the draft it was submitted from.",
)
def submission_get(
    request: HttpRequest,
    submission_id: uuid.UUID,
    draft_token_header: str = Header("", alias=TOKEN_HEADER, max_length=100),
) -> dict[str, Any]:
    submission = (
        Submission.objects.select_related("case", "definition", "draft")
        .filter(public_id=submission_id)
        .first()
    )
    if submission is None or submission.draft is None:
        raise NotFound(_("There is no such submission."), code="submission-unknown")
    try:
        _draft(request, submission.draft.public_id, draft_token_header)
    except NotFound:
        raise NotFound(_("There is no such submission."), code="submission-unknown") from None
    return {**_submission_out(submission), "status_secret": None}
