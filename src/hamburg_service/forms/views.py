"""The applicant's pages of an online service: the list of services, a service's start page,
the steps, "save and finish later", the summary, the exit page and the resume link.

A draft belongs to its citizen (signed in) or to the browser session that started or
resumed it; anyone else gets the 404 of a draft that does not exist."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hamburg_service.accounts.citizens import citizen_session
from hamburg_service.accounts.models import Citizen, TrustLevel
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Conflict, InvalidInput, NotFound
from hamburg_service.core.forms import AccessibleForm
from hamburg_service.core.pages import problem_page
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.files.models import StoredFile
from hamburg_service.forms.definition import FieldSpec, FormSpec, StepSpec, published, spec_of
from hamburg_service.forms.fields import (
    FieldView,
    StepInput,
    attached_files,
    field_raw,
    field_view,
)
from hamburg_service.forms.logic import Evaluation, condition_true, evaluate
from hamburg_service.forms.models import DefinitionState, Draft, DraftState, FormDefinition
from hamburg_service.forms.prefill import prefill_values
from hamburg_service.forms.services import drafts
from hamburg_service.forms.session import resident_actor, spec_trusted
from hamburg_service.forms.summary import answers_by_step
from hamburg_service.people.checks import today_in_hamburg

SESSION_DRAFTS = "form_drafts"  # the public ids of the drafts this browser may open
_SESSION_DRAFTS_KEPT = 20
_INDEX = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²".isdigit() is true, int() fails
_REVISION = re.compile(r"[0-9]{1,10}")


def _today() -> Any:
    return today_in_hamburg(timezone.now())


def _signin_url(request: HttpRequest) -> str:
    try:
        base = reverse("portal:signin")
    except NoReverseMatch:
        base = "/account/signin/"
    return f"{base}?{urlencode({'next': request.get_full_path()})}"


def _allow(request: HttpRequest, draft: Draft) -> None:
    allowed = [d for d in request.session.get(SESSION_DRAFTS, []) if d != str(draft.public_id)]
    request.session[SESSION_DRAFTS] = [*allowed, str(draft.public_id)][-_SESSION_DRAFTS_KEPT:]


def draft_for(request: HttpRequest, public_id: uuid.UUID) -> Draft:
    """The draft if this browser may open it: its citizen signed in, or (a draft without an
    account) started or resumed in this session. NotFound otherwise, as for no draft."""
    draft = Draft.objects.select_related("definition").filter(public_id=public_id).first()
    if draft is None:
        raise NotFound(_("There is no such application."), code="draft-unknown")
    session = citizen_session(request)
    if draft.citizen_id is not None:
        allowed = session is not None and session.citizen.pk == draft.citizen_id
    else:
        allowed = str(draft.public_id) in request.session.get(SESSION_DRAFTS, [])
    if not allowed:
        raise NotFound(_("There is no such application."), code="draft-unknown")
    return draft


def _closed_page(request: HttpRequest, draft: Draft) -> HttpResponse | None:
    """The page of a draft submitted or expired (also one past its expiry that the hourly
    job has not marked yet); None for a draft that can be filled in."""
    if draft.state == DraftState.OPEN and not drafts.draft_expired(draft, timezone.now()):
        return None
    return render(
        request,
        "forms/closed.html",
        {"draft": draft, "spec": spec_of(draft.definition), "language": active_suffix()},
        status=409 if draft.state == DraftState.SUBMITTED else 410,
    )


# --- the list and the start page -----------------------------------------------------------


def services_list(request: HttpRequest) -> HttpResponse:
    language = active_suffix()
    definitions = FormDefinition.objects.filter(state=DefinitionState.PUBLISHED).order_by("slug")
    services = []
    for definition in definitions:
        spec = spec_of(definition)
        services.append(
            {"slug": definition.slug, "title": spec.title(language), "intro": spec.intro(language)}
        )
    services.sort(key=lambda s: s["title"])
    return render(request, "forms/list.html", {"services": services})


def _trust_label(level: str) -> str:
    if level == "none":
        return str(_("No sign-in needed"))
    return str(dict(TrustLevel.choices).get(level, level))


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    definition = published(slug)
    spec = spec_of(definition)
    language = active_suffix()
    session = citizen_session(request)
    trusted = spec_trusted(request, spec)
    if request.method == "POST" and trusted:
        citizen: Citizen | None = session.citizen if session else None
        draft = drafts.draft_start(
            definition=definition,
            citizen=citizen,
            language=language,
            actor=resident_actor(request),
        )
        _allow(request, draft)
        first = spec.input_steps[0]
        return redirect("forms:step", public_id=draft.public_id, step=first.key)
    open_drafts = []
    if session is not None:
        open_drafts = list(
            Draft.objects.filter(
                citizen=session.citizen, state=DraftState.OPEN, definition__slug=slug
            ).order_by("-updated_at")[:5]
        )
    return render(
        request,
        "forms/start.html",
        {
            "spec": spec,
            "title": spec.title(language),
            "intro": spec.intro(language),
            "needs": spec.need_texts(language),
            "steps": [s.title(language) for s in spec.input_steps],
            "trust_level": spec.trust_level,
            "trust_label": _trust_label(spec.trust_level),
            "trusted": trusted,
            "signed_in": session is not None,
            "signin_url": _signin_url(request),
            "open_drafts": open_drafts,
            "resume_days": spec.resume_days,
        },
        status=403 if request.method == "POST" else 200,
    )


# --- steps ----------------------------------------------------------------------------------


def _step_list(
    spec: FormSpec, evaluation: Evaluation, draft: Draft, current: str, language: str
) -> list[dict[str, Any]]:
    items = []
    reachable = True
    for step in evaluation.steps:
        if step.exit:
            break
        items.append(
            {
                "key": step.key,
                "title": step.title(language),
                "done": step.key in draft.steps_done,
                "current": step.key == current,
                "link": reachable and step.key != current,
            }
        )
        reachable = reachable and step.key in draft.steps_done
    return items


def _previous(evaluation: Evaluation, current: str) -> StepSpec | None:
    before = None
    for step in evaluation.steps:
        if step.key == current:
            return before
        if not step.exit:
            before = step
    return None


def _anchor(view: FieldView) -> str:
    kind = view.type
    if kind == "choice" and view.spec.widget != "select":
        return f"{view.id}-0"
    if kind == "yesno":
        return f"{view.id}-yes"
    if kind == "group":
        return view.id
    return view.id


def error_list(views: list[FieldView]) -> list[dict[str, str]]:
    """The error summary: each message with the label and the id of its input."""
    found: list[dict[str, str]] = []
    for view in views:
        for message in view.errors:
            found.append({"anchor": _anchor(view), "label": view.label, "message": message})
        for part, messages in view.sub_errors.items():
            for message in messages:
                found.append(
                    {"anchor": f"{view.id}-{part}", "label": view.label, "message": message}
                )
        for index, item in enumerate(view.items, start=1):
            for child in error_list(item):
                child["label"] = f"{view.item_label} {index}: {child['label']}"
                found.append(child)
    return found


def _render_step(
    request: HttpRequest,
    draft: Draft,
    step: StepSpec,
    *,
    raw: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    problem: AppError | None = None,
    status: int = 200,
    prefill: bool = True,
    visible: list[FieldSpec] | None = None,
    revealed: bool = False,
) -> HttpResponse:
    """The step's page; after a post, the fields shown are those visible for what was
    posted (`visible`), with what was entered (`raw`) and the messages (`errors`)."""
    spec = spec_of(draft.definition)
    language = active_suffix()
    today = _today()
    evaluation = evaluate(spec, draft.answers, today=today)
    errors = errors or {}
    prefilled: set[str] = set()
    if raw is None:
        raw = {
            f.key: field_raw(f, draft.answers[f.key]) for f in step.inputs if f.key in draft.answers
        }
        if prefill:
            session = citizen_session(request)
            extra = prefill_values(step=step, answers=draft.answers, session=session)
            prefilled = set(extra)
            raw.update(extra)
    file_ids = [
        str(v)
        for f in step.fields
        if f.type == "file"
        for v in (raw.get(f.key) or [])
        if isinstance(v, str)
    ]
    attached = attached_files(drafts.draft_owner(draft), file_ids) if file_ids else {}
    # Conditions read the fields before them (forms.logic): the step's own answers join the
    # data in the form's order, as when the step is checked.
    data = dict(evaluation.data)
    for spec_field in step.fields:
        data.pop(spec_field.key, None)
    views: list[FieldView] = []
    shown = (
        {f.key for f in visible}
        if visible is not None
        else {f.key for f in evaluation.fields.get(step.key, [])}
    )
    for spec_field in step.fields:
        if spec_field.key in shown:
            views.append(
                field_view(
                    spec_field,
                    spec_field.key,
                    raw.get(spec_field.key, [] if spec_field.type == "group" else None),
                    errors,
                    language,
                    data,
                    attached=attached,
                    prefilled=prefilled,
                )
            )
        if spec_field.key in evaluation.data:
            data[spec_field.key] = evaluation.data[spec_field.key]
    previous = _previous(evaluation, step.key)
    return render(
        request,
        "forms/step.html",
        {
            "draft": draft,
            "spec": spec,
            "title": spec.title(language),
            "step": step,
            "step_title": step.title(language),
            "step_intro": step.intro(language),
            "fields": views,
            "error_list": error_list(views),
            "revealed": revealed,
            "problem": problem,
            "steps": _step_list(spec, evaluation, draft, step.key, language),
            "previous": previous,
            "multipart": step.has_files,
            "signed_in": draft.citizen_id is not None,
        },
        status=status,
    )


def _group_action(action: str, checked: StepInput, step: StepSpec) -> dict[str, Any] | None:
    """Apply "add:<group>" / "remove:<group>:<index>" to what was entered."""
    parts = action.split(":")
    if len(parts) not in (2, 3):
        return None
    group = next((f for f in step.fields if f.type == "group" and f.key == parts[1]), None)
    if group is None:
        return None
    raw = dict(checked.raw)
    items = list(raw.get(group.key) or [])
    if parts[0] == "add" and len(items) < group.max_items:
        items.append({c.key: None for c in group.fields})
    elif parts[0] == "remove" and len(parts) == 3 and _INDEX.fullmatch(parts[2]):
        index = int(parts[2])
        if 0 <= index < len(items) and len(items) > group.min_items:
            items.pop(index)
    raw[group.key] = items
    return raw


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or value == ""


def _revealed(spec: FormSpec, draft: Draft, checked: StepInput) -> set[str]:
    """The fields this post brought up (hidden on the page the resident answered, shown for
    the answers just given) and left empty: without JavaScript they appear only now, so they
    are asked for, not reported as errors."""
    before = evaluate(spec, draft.answers, today=_today()).data
    return {
        f.key
        for f in checked.visible
        if f.show_if is not None
        and not condition_true(f.show_if, before)
        and _blank(checked.raw.get(f.key))
    }


def _revision(request: HttpRequest) -> int:
    """The revision the page was shown with; 0 (always stale) for anything but ASCII digits."""
    value = str(request.POST.get("revision", "")).strip()
    return int(value) if _REVISION.fullmatch(value) else 0


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, public_id: uuid.UUID, step: str) -> HttpResponse:
    draft = draft_for(request, public_id)
    closed = _closed_page(request, draft)
    if closed is not None:
        return closed
    spec = spec_of(draft.definition)
    if not spec_trusted(request, spec):
        return HttpResponseRedirect(_signin_url(request))
    evaluation = evaluate(spec, draft.answers, today=_today())
    try:
        current = drafts.step_reachable(evaluation, draft, step)
    except Conflict as conflict:
        first = conflict.extra.get("step", "")
        target = spec.step(first) if first in spec.steps_by_key else None
        if target is not None and target.exit:
            return redirect("forms:exit", public_id=draft.public_id)
        if request.method == "GET" and target is not None:
            return redirect("forms:step", public_id=draft.public_id, step=target.key)
        return problem_page(request, conflict)
    if request.method == "GET":
        return _render_step(request, draft, current)
    action = str(request.POST.get("action", "continue"))[:80]
    actor = resident_actor(request, draft)
    if action.startswith(("add:", "remove:")):
        _step, checked = drafts.draft_step_check(
            draft=draft, step_key=step, data=request.POST, files=request.FILES, actor=actor
        )
        raw = _group_action(action, checked, current)
        if raw is not None:
            return _render_step(
                request, draft, current, raw=raw, prefill=False, visible=checked.visible
            )
    try:
        result = drafts.draft_step_save(
            draft=draft,
            step_key=step,
            data=request.POST,
            files=request.FILES,
            revision=_revision(request),
            actor=actor,
        )
    except InvalidInput as invalid:
        checked_input = invalid.extra.get("input")
        if isinstance(checked_input, StepInput):
            revealed = _revealed(spec, draft, checked_input)
            errors = {
                name: messages
                for name, messages in checked_input.errors.items()
                if name.split(".")[0] not in revealed
            }
            return _render_step(
                request,
                draft,
                current,
                raw=checked_input.raw,
                errors=errors,
                visible=checked_input.visible,
                revealed=bool(revealed),
                status=422 if errors else 200,
            )
        return _render_step(request, draft, current, problem=invalid, status=422)
    except Conflict as conflict:
        if conflict.code == "draft-stale":
            fresh = draft_for(request, public_id)
            return _render_step(request, fresh, current, problem=conflict, status=409)
        return problem_page(request, conflict)
    if action == "later":
        return redirect("forms:later", public_id=draft.public_id)
    if result.exit is not None and (result.next_step is None or result.next_step.exit):
        return redirect("forms:exit", public_id=draft.public_id)
    if result.next_step is not None:
        return redirect("forms:step", public_id=draft.public_id, step=result.next_step.key)
    return redirect("forms:summary", public_id=draft.public_id)


# --- save and finish later, resume ----------------------------------------------------------


class ResumeForm(AccessibleForm):
    email = django_forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        max_length=254,
        help_text=gettext_lazy("We send you a link to continue; it is valid for a few days."),
    )


@require_http_methods(["GET", "POST"])
def later(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    draft = draft_for(request, public_id)
    closed = _closed_page(request, draft)
    if closed is not None:
        return closed
    spec = spec_of(draft.definition)
    language = active_suffix()
    context: dict[str, Any] = {
        "draft": draft,
        "title": spec.title(language),
        "resume_days": spec.resume_days,
        "in_account": draft.citizen_id is not None,
        "sent_to": "",
        "problem": None,
    }
    try:
        context["drafts_url"] = reverse("portal:drafts")
    except NoReverseMatch:
        context["drafts_url"] = ""
    # A signed-in applicant finds the draft in the account, and may still ask for the link to
    # go on on another device (signing in there with the same account).
    session = citizen_session(request)
    email = draft.email or (session.citizen.email if session else "")
    form = ResumeForm(request.POST or None, initial={"email": email})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rate_limit(request, group="forms.resume_link", rate="10/h")
                drafts.draft_resume_link_send(
                    draft=draft,
                    email=form.cleaned_data["email"],
                    language=language,
                    actor=Actor.resident(form.cleaned_data["email"]),
                )
                context["sent_to"] = form.cleaned_data["email"]
            except AppError as error:
                context["problem"] = error
                status = error.status
        else:
            status = 422
    context["form"] = form
    return render(request, "forms/later.html", context, status=status)


def resume(request: HttpRequest, token: str) -> HttpResponse:
    try:
        draft = drafts.draft_resume(token=token, actor=Actor.resident())
    except Conflict as conflict:
        slug = conflict.extra.get("slug", "")
        return render(
            request,
            "forms/resume_expired.html",
            {"problem": conflict, "start_url": reverse("forms:start", args=[slug]) if slug else ""},
            status=410,
        )
    if draft.citizen_id is not None:
        session = citizen_session(request)
        if session is None or session.citizen.pk != draft.citizen_id:
            return HttpResponseRedirect(_signin_url(request))
    _allow(request, draft)
    return _where_next(draft)


def _where_next(draft: Draft) -> HttpResponse:
    spec = spec_of(draft.definition)
    evaluation = evaluate(spec, draft.answers, today=_today())
    for each in evaluation.steps:
        if each.exit:
            return redirect("forms:exit", public_id=draft.public_id)
        if each.key not in draft.steps_done:
            return redirect("forms:step", public_id=draft.public_id, step=each.key)
    return redirect("forms:summary", public_id=draft.public_id)


def continue_draft(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Where a draft goes on: the first step not done, the exit page, or the summary."""
    draft = draft_for(request, public_id)
    closed = _closed_page(request, draft)
    return closed if closed is not None else _where_next(draft)


# --- summary and exit -----------------------------------------------------------------------


def summary(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    draft = draft_for(request, public_id)
    closed = _closed_page(request, draft)
    if closed is not None:
        return closed
    spec = spec_of(draft.definition)
    if not spec_trusted(request, spec):
        return HttpResponseRedirect(_signin_url(request))
    language = active_suffix()
    today = _today()
    evaluation = evaluate(spec, draft.answers, today=today)
    if evaluation.exit is not None:
        return redirect("forms:exit", public_id=draft.public_id)
    for each in evaluation.steps:
        if each.key not in draft.steps_done:
            return redirect("forms:step", public_id=draft.public_id, step=each.key)
    steps = answers_by_step(spec, evaluation.answers, language, today=today)
    file_ids = [i for s in steps for r in s.rows for i in r.files]
    names = (
        {
            f.public_id.hex: f.original_name
            for f in StoredFile.objects.filter(
                owner=drafts.draft_owner(draft), public_id__in=_uuids(file_ids)
            )
        }
        if file_ids
        else {}
    )
    return render(
        request,
        "forms/summary.html",
        {
            "draft": draft,
            "title": spec.title(language),
            "steps": [
                {
                    "key": s.key,
                    "title": s.title,
                    "rows": [
                        {
                            "label": r.label,
                            "text": r.text,
                            "files": [names.get(i, "") for i in r.files],
                        }
                        for r in s.rows
                    ],
                }
                for s in steps
            ],
            "idempotency_key": f"draft:{draft.public_id}",
        },
    )


def _uuids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def exit_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    draft = draft_for(request, public_id)
    closed = _closed_page(request, draft)
    if closed is not None and draft.state != DraftState.SUBMITTED:
        return closed
    spec = spec_of(draft.definition)
    language = active_suffix()
    evaluation = evaluate(spec, draft.answers, today=_today())
    if evaluation.exit is None:
        return redirect("forms:summary", public_id=draft.public_id)
    previous = _previous(evaluation, evaluation.exit.key)
    return render(
        request,
        "forms/exit.html",
        {
            "draft": draft,
            "title": spec.title(language),
            "exit_title": evaluation.exit.title(language),
            "exit_text": evaluation.exit.text(language),
            "previous": previous,
            "booking_url": reverse("appointments:search"),
        },
    )
