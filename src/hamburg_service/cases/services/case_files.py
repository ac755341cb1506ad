"""How long a case's uploads are kept (GDPR Art. 5 (1) (e)), set when the case ends."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from hamburg_service.cases.clock import months_after
from hamburg_service.cases.models import Case
from hamburg_service.core.actors import Actor
from hamburg_service.files.services import files_keep_until


def case_file_owner(case: Case) -> str:
    """The owner of the case's uploads in the files app (letters are kept by their own rule)."""
    return f"case:{case.reference}"


def case_files_keep_until(
    *, case: Case, closed_on: dt.date, actor: Actor, now: dt.datetime | None = None
) -> dt.date:
    """The retention of the applicant's uploads: from the day the case is closed (withdrawn,
    rejected) they are kept CASE_FILES_KEEP_MONTHS (6) — time for an objection (one month) or a
    court action to be filed and the file to be sent to the court — and deleted on the day
    after (files.retention, rows and contents; the CaseFile rows go with them). The decision,
    the letters and the events stay with the case. Returns the last day the files are kept."""
    keep_until = months_after(closed_on, settings.CASE_FILES_KEEP_MONTHS)
    files_keep_until(owner=case_file_owner(case), delete_after=keep_until, actor=actor, now=now)
    return keep_until
