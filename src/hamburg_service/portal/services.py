"""The writes of "my account" that belong to no form or case service: deleting a draft the
citizen no longer wants."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from hamburg_service.accounts.models import Citizen
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import NotFound
from hamburg_service.core.events import event_record
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.services import file_delete
from hamburg_service.forms.models import Draft, DraftEventKind, DraftState

DELETE_REASON = "draft deleted by the applicant"


def draft_owner(draft: Draft) -> str:
    """The owner of a draft's uploads in the files app (forms.services.drafts stores them so)."""
    return f"form-draft:{draft.public_id}"


def account_draft_delete(
    *, draft: Draft, citizen: Citizen, actor: Actor, now: dt.datetime | None = None
) -> Draft:
    """The citizen deletes their open draft: its answers are emptied and its uploads' contents
    deleted at once; the draft ends as expired (recorded as such, "by the applicant"), and the
    drafts' retention job removes the row with its events. NotFound for a draft of another
    account or one no longer open."""
    now = now_or(now)
    with write_transaction():
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
            file_delete(file=stored, actor=actor, reason=DELETE_REASON, now=now)
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
