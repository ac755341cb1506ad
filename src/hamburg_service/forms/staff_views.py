"""Staff pages of the online services: submissions per service per day for leads, and the
download of an online application's uploads from the case page's panel (forms.panels)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hamburg_service.accounts.access import access_record, actor_of, staff_required
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import FormsPerm, StaffPerm
from hamburg_service.cases.selectors import readable_agencies
from hamburg_service.cases.services.common import case_unknown
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.responses import file_response
from hamburg_service.forms.figures import Figures, submissions_per_day
from hamburg_service.forms.models import Submission
from hamburg_service.forms.panels import submission_file_ids
from hamburg_service.people.checks import today_in_hamburg


def _figures() -> Figures:
    return submissions_per_day(today=today_in_hamburg(timezone.now()), language=active_suffix())


@never_cache
@require_GET
@staff_required(FormsPerm.FIGURES)
def figures(request: HttpRequest) -> HttpResponse:
    """Online applications per service and day, the last 14 days (no personal data)."""
    return render(request, "forms/staff/figures.html", {"figures": _figures()})


@never_cache
@require_GET
@staff_required(FormsPerm.FIGURES)
def figures_json(request: HttpRequest) -> JsonResponse:
    """The same figures as JSON."""
    found = _figures()
    return JsonResponse(
        {
            "from": found.days[0].isoformat(),
            "until": found.days[-1].isoformat(),
            "services": [
                {
                    "slug": s.slug,
                    "title": s.title,
                    "total": s.total,
                    "days": [
                        {"day": day.isoformat(), "submissions": count}
                        for day, count in zip(found.days, s.counts, strict=True)
                    ],
                }
                for s in found.services
            ],
            "total": found.total,
        }
    )


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def answer_file(request: HttpRequest, reference: str, public_id: uuid.UUID) -> HttpResponseBase:
    """A file uploaded with the online application of a case, for staff who may open the
    case (logged); 404 alike for a case they may not see, one that does not exist and a file
    that is not the application's."""
    actor = actor_of(request)
    submission = (
        Submission.objects.select_related("definition", "case")
        .filter(
            case__reference=(reference or "").strip().upper()[:20],
            case__case_type__agency__in=readable_agencies(actor),
        )
        .first()
    )
    if submission is None or public_id not in submission_file_ids(submission):
        raise case_unknown()
    stored = StoredFile.objects.filter(public_id=public_id, state=FileState.ATTACHED).first()
    if stored is None or not stored.storage_name:
        raise case_unknown()
    case = submission.case
    access_record(
        actor=actor,
        subject_type="case_file",
        subject_ref=case.reference,
        purpose=AccessPurpose.PERSON_CASE,
        categories=(DataCategory.DOCUMENTS,),
        case_reference=case.reference,
        persons=[case.person_id] if case.person_id else [],
    )
    return file_response(stored)
