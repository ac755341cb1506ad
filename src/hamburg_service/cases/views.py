"""The caseworker workstation: my cases and "next case", the pool, opening a case, the case
page with its actions, and the team's load for leads (docs/cases.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts.access import actor_of, has_perm, staff_required
from hamburg_service.accounts.permissions import CasesPerm, StaffPerm
from hamburg_service.cases import documents, selectors
from hamburg_service.cases.backlog import UNDECIDED_ORDER, backlog_for
from hamburg_service.cases.case_panels import case_panels_for
from hamburg_service.cases.forms import (
    AssignForm,
    CaseOpenForm,
    DecideForm,
    NoteForm,
    ReleaseForm,
    TransitionForm,
    received_at,
)
from hamburg_service.cases.letter_views import decide_and_issue
from hamburg_service.cases.models import (
    DECISION_STATUSES,
    Case,
    CaseStatus,
    CaseTransition,
    CaseType,
)
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.common import may
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Forbidden
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.people import access
from hamburg_service.people.models import Person


def _case_url(case: Case) -> str:
    return reverse("cases:case", args=[case.reference])


@never_cache
@require_GET
@staff_required(CasesPerm.WORK)
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "cases/mine.html",
        {
            "rows": selectors.cases_mine(actor=actor),
            "is_lead": has_perm(request.user, CasesPerm.ASSIGN),
        },
    )


@require_POST
@staff_required(CasesPerm.WORK)
def next_case(request: HttpRequest) -> HttpResponse:
    case, problem = attempt(lambda: pool.case_next(actor=actor_of(request)))
    if problem is not None:
        messages.error(request, problem.detail)
    elif case is None:
        messages.info(request, _("The pool has no case for you right now."))
    else:
        messages.success(request, _("Case %(reference)s is yours now.") % {"reference": case})
        return redirect(_case_url(case))
    return redirect("cases:mine")


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def pool_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not selectors.readable_agencies(actor):
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")
    types = selectors.pool_types(actor)
    chosen = next((t for t in types if t.slug == request.GET.get("type")), None)
    page_number = request.GET.get("page", "1")
    page, rows = selectors.pool_page(
        actor=actor,
        case_type=chosen,
        page=int(page_number) if page_number.isdigit() and len(page_number) < 7 else 1,
    )
    return render(
        request,
        "cases/pool.html",
        {"types": types, "chosen": chosen, "page": page, "rows": rows},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(CasesPerm.OPEN)
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case for an application at the counter, the front desk or by post; from a
    person's record (`?person=<id>&purpose=…`) for that person, their name filled in (a read
    of the name, logged with the record's purpose). The receipt shows the reference and the
    status secret once."""
    actor = actor_of(request)
    types = CaseType.objects.filter(is_active=True).order_by("name_de")
    allowed = [t.pk for t in types if may(actor, CasesPerm.OPEN, t)]
    params = request.POST if request.method == "POST" else request.GET
    # On GET the form shows the person's name (a logged read); the POST only points to them.
    person, purpose = _person_given(params, actor, shown=request.method == "GET")
    initial = {"language": request.LANGUAGE_CODE[:2]}
    if person is not None and request.method == "GET":
        initial["applicant_name"] = " ".join(
            p for p in (person.given_names, person.family_name) if p
        )
    form = CaseOpenForm(
        request.POST or None, case_types=types.filter(pk__in=allowed), initial=initial
    )
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        opened, problem = attempt(
            lambda: lifecycle.case_open(
                case_type=data["case_type"],
                applicant_name=data["applicant_name"],
                applicant_email=data["applicant_email"],
                language=data["language"],
                channel=data["channel"],
                received_at=received_at(data["received_on"], now),
                person=person,
                actor=actor,
                now=now,
            ),
            form=form,
        )
        if opened is not None:
            return render(
                request,
                "cases/receipt.html",
                {"case": opened.case, "secret": opened.secret},
            )
    return render(
        request,
        "cases/new.html",
        {"form": form, "problem": problem, "person": person, "purpose": purpose},
        status=page_status(problem, form),
    )


def _person_given(
    params: Any, actor: Actor, *, shown: bool
) -> tuple[Person | None, access.Purpose | None]:
    """The person a case is opened for, with the purpose the record was opened with: NotFound
    (as for an unknown record) unless the member of staff may read records."""
    raw = params.get("person", "")
    if not raw:
        return None, None
    purpose = access.Purpose.of(params.get("purpose"), params.get("reference"))
    person_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    if shown:
        return access.person_named(actor=actor, person_id=person_id, purpose=purpose), purpose
    return access.person_ref(actor=actor, person_id=person_id), purpose


def _targets(case: Case) -> list[tuple[str, str]]:
    rows = CaseTransition.objects.filter(case_type=case.case_type, source=case.status).exclude(
        target__in=DECISION_STATUSES
    )
    return [(t.target, str(CaseStatus(t.target).label)) for t in rows]


def _workers(case: Case) -> list[tuple[int, str]]:
    return selectors.workers_for_type(case_type_id=case.case_type_id)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.AREA)
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    """One case: the applicant, the clock and "why this one", documents, the timeline, notes,
    and the actions its status allows."""
    actor = actor_of(request)
    view = selectors.case_for(actor=actor, reference=reference)
    case = view.case
    action = request.POST.get("action", "")
    post = request.POST if request.method == "POST" else None
    forms: dict[str, Any] = {
        "transition": TransitionForm(
            post if action == "transition" else None, targets=_targets(case), prefix="t"
        ),
        "note": NoteForm(post if action == "note" else None, prefix="n"),
        "decide": DecideForm(
            post if action == "decide" else None, case_type=case.case_type, prefix="d"
        ),
        "release": ReleaseForm(post if action == "release" else None, prefix="r"),
    }
    is_lead = may(actor, CasesPerm.ASSIGN, case.case_type)
    if is_lead:
        forms["assign"] = AssignForm(
            post if action == "assign" else None, workers=_workers(case), prefix="a"
        )
    problem: AppError | None = None
    form = forms.get(action)
    if post is not None and form is not None and form.is_valid():
        data = form.cleaned_data
        run = {
            "transition": lambda: lifecycle.case_transition(
                case=case, target=data["status"], reason=data["reason"], actor=actor
            ),
            "note": lambda: lifecycle.case_note_add(case=case, text=data["text"], actor=actor),
            # The decision, then its letter (cases.letter_views).
            "decide": lambda: decide_and_issue(request, case=case, data=data, actor=actor),
            "release": lambda: pool.case_release(case=case, reason=data["reason"], actor=actor),
            "assign": lambda: pool.case_assign(case=case, user_id=data["user"], actor=actor),
        }[action]
        _done, problem = attempt(run, form=form)
        if problem is None:
            messages.success(request, _("Saved."))
            if action == "release":
                return redirect("cases:mine")
            return redirect(_case_url(case))
    return render(
        request,
        "cases/case.html",
        {
            "view": view,
            "case": case,
            "clock": view.clock,
            "urgency": view.urgency,
            "forms": forms,
            "action": action,
            "problem": problem,
            "mine": case.assigned_to_id == request.user.pk,
            "is_lead": is_lead,
            "missing": documents.documents_missing(case),
            "required": documents.required_labels(case),
            "documents": list(case.documents.all()),
            "person_query": f"purpose=person_case&reference={case.reference}",
            # What apps above this one show of the case (cases.case_panels): the online
            # application's answers and files.
            "panels": case_panels_for(case, actor),
        },
        status=page_status(problem, *([form] if form is not None else [])),
    )


@never_cache
@require_GET
@staff_required(CasesPerm.ASSIGN)
def team(request: HttpRequest) -> HttpResponse:
    loads = selectors.worker_loads(actor=actor_of(request))
    return render(request, "cases/team.html", {"loads": loads})


@never_cache
@require_GET
@staff_required(CasesPerm.BACKLOG)
def backlog(request: HttpRequest) -> HttpResponse:
    figures = backlog_for(actor=actor_of(request))
    return render(
        request,
        "cases/backlog.html",
        {"backlog": figures, "statuses": [CaseStatus(s) for s in UNDECIDED_ORDER]},
    )
