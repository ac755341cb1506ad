"""The online application on the staff case page (cases.case_panels): the answers laid out by
step, as the applicant saw them on the summary, and the files uploaded with them — each a
download for staff who may open the case. Showing the answers is a read of personal data:
logged like the case page's own read, the case as purpose."""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.cases.case_panels import CasePanel, case_panel_register
from hamburg_service.cases.models import Case
from hamburg_service.catalog.i18n import active_suffix
from hamburg_service.core.actors import Actor
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.forms.definition import spec_of
from hamburg_service.forms.models import Submission
from hamburg_service.forms.summary import answers_by_step
from hamburg_service.people.checks import today_in_hamburg

TEMPLATE = "forms/staff/answers_panel.html"
# What the answers of an application may show: the applicant's and family members' names,
# contact, birth, addresses, nationality, papers and the uploads.
ANSWER_CATEGORIES = (
    DataCategory.NAME,
    DataCategory.CONTACT,
    DataCategory.BIRTH,
    DataCategory.ADDRESS,
    DataCategory.NATIONALITY,
    DataCategory.DOCUMENTS,
)


def submission_file_ids(submission: Submission) -> set[uuid.UUID]:
    """The uploads of a submission: the public ids its file answers name."""
    spec = spec_of(submission.definition)
    ids: set[uuid.UUID] = set()
    for key, value in (submission.answers or {}).items():
        field = spec.fields_by_key.get(key)
        if field is None or field.type != "file" or not isinstance(value, list):
            continue
        for raw in value:
            try:
                ids.add(uuid.UUID(str(raw)))
            except ValueError:
                continue
    return ids


def answers_panel(case: Case, actor: Actor) -> CasePanel | None:
    """The panel of a case that came from an online application; None for any other."""
    submission = Submission.objects.select_related("definition").filter(case_id=case.pk).first()
    if submission is None:
        return None
    spec = spec_of(submission.definition)
    language = active_suffix()
    steps = answers_by_step(
        spec,
        submission.answers or {},
        language,
        today=today_in_hamburg(submission.submitted_at),
    )
    stored = {
        f.public_id: f
        for f in StoredFile.objects.filter(public_id__in=submission_file_ids(submission))
    }
    layout: list[dict[str, Any]] = []
    for step in steps:
        rows = []
        for row in step.rows:
            files = []
            for raw in row.files:
                try:
                    found = stored.get(uuid.UUID(raw))
                except ValueError:
                    found = None
                if found is None:
                    continue
                files.append(
                    {
                        "name": found.original_name,
                        "size": found.size,
                        "url": reverse(
                            "forms_staff:answer-file", args=[case.reference, found.public_id]
                        )
                        if found.state == FileState.ATTACHED and found.storage_name
                        else "",
                    }
                )
            rows.append({"label": row.label, "text": row.text, "files": files})
        layout.append({"key": step.key, "title": step.title, "rows": rows})
    access_record(
        actor=actor,
        subject_type="online_answers",
        subject_ref=case.reference,
        purpose=AccessPurpose.PERSON_CASE,
        categories=ANSWER_CATEGORIES,
        case_reference=case.reference,
        persons=[case.person_id] if case.person_id else [],
    )
    return CasePanel(
        title=_("Online application"),
        template=TEMPLATE,
        context={
            "submission": submission,
            "service": spec.title(language),
            "version": submission.definition.version,
            "steps": layout,
        },
    )


case_panel_register("1-online-answers", answers_panel)
