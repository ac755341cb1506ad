"""What the handlers share: the case opened for an online application, a note on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from hamburg_service.cases.models import Case, CaseEventKind, CaseType, Channel
from hamburg_service.cases.services.lifecycle import case_open
from hamburg_service.core.errors import Conflict
from hamburg_service.core.events import event_record
from hamburg_service.people.models import Person

if TYPE_CHECKING:
    from hamburg_service.forms.handlers import SubmitContext


def mapped_text(ctx: SubmitContext, target: str) -> str:
    """The answer(s) the definition's `case` mapping names for `target`, joined by spaces."""
    source = ctx.spec.case_map.get(target)
    keys = [source] if isinstance(source, str) else list(source or [])
    parts = [str(ctx.submission_answers.get(k) or "").strip() for k in keys]
    return " ".join(p for p in parts if p)


def case_type_of(slug: str) -> CaseType:
    found = CaseType.objects.filter(slug=slug, is_active=True).first()
    if found is None:
        raise Conflict(
            _("This application cannot be taken online at the moment. Please try again later."),
            code="case-type-missing",
        )
    return found


def case_open_online(ctx: SubmitContext, slug: str, *, person: Person | None = None) -> Case:
    """Open the application's case: channel online, the account on it, the applicant's name
    and e-mail address as the definition maps them. The applicant gets one receipt — the
    submission's (forms.receipt), which says what the cases' "received" mail says and links
    to the account — so that mail is not sent; the later status mails are. The status
    secret goes to `ctx.secret` (shown once, on the receipt page)."""
    opened = case_open(
        case_type=case_type_of(slug),
        applicant_name=mapped_text(ctx, "applicant_name") or ctx.email or "—",
        applicant_email=ctx.email,
        channel=Channel.ONLINE,
        actor=ctx.actor,
        person=person,
        citizen=ctx.citizen,
        language=ctx.language,
        now=ctx.now,
        received_mail=False,
    )
    ctx.secret = opened.secret
    return opened.case


def case_note(ctx: SubmitContext, case: Case, text: str, **data: Any) -> None:
    """A note on the case's timeline from the submission (what the caseworker should know)."""
    event_record(
        case, kind=CaseEventKind.NOTE, actor=ctx.actor, at=ctx.now, data={"text": text, **data}
    )


def linked_person(ctx: SubmitContext) -> Person | None:
    """The person record of the signed-in account — linked only through a verified match
    (trust level high, or a clerk's confirmation), used only when the sign-in that submits may
    act for it (`SubmitContext.person_id`), never from what the form says."""
    citizen = ctx.citizen
    if citizen is None or ctx.person_id is None or citizen.person_id != ctx.person_id:
        return None
    return Person.objects.filter(pk=ctx.person_id, merged_into__isnull=True).first()
