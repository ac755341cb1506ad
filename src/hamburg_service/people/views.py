"""Staff pages of the person record: find a person, open the record (one person, one view),
the information block. Every read goes through people.access (checked and logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import actor_of, has_perm, require, staff_required
from hamburg_service.accounts.models import AccessPurpose
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.dates import BoundedDateField, bounded_date
from hamburg_service.core.errors import AppError, InvalidInput
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.people import access
from hamburg_service.people.checks import BirthDate, today_in_hamburg
from hamburg_service.people.models import InformationBlock
from hamburg_service.people.services import blocks

# Titles and documents expiring within this time are flagged on the record.
EXPIRY_WARNING = dt.timedelta(weeks=8)


def _purpose_choices() -> list[tuple[str, str]]:
    labels = dict(AccessPurpose.choices)
    return [("", _("Choose…")), *[(str(p), str(labels[p])) for p in access.STAFF_PURPOSES]]


class PurposeForm(AccessibleErrorsMixin, forms.Form):
    """Why the record is opened (§ 40 BMG asks for the purpose of every read)."""

    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        choices=[],
        error_messages={"required": gettext_lazy("Say why you open the record.")},
    )
    reference = forms.CharField(
        label=gettext_lazy("Ticket, appointment or case number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Needed for the first three purposes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["purpose"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _purpose_choices()

    def checked_purpose(self) -> access.Purpose:
        """The checked purpose; InvalidInput names the field (after is_valid)."""
        return access.Purpose.of(self.cleaned_data["purpose"], self.cleaned_data["reference"])


class SearchForm(PurposeForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        help_text=gettext_lazy(
            "Family name first, then given names; any spelling or script (Meier finds Mayer)."
        ),
        error_messages={"required": gettext_lazy("Enter the name.")},
    )
    birth = forms.CharField(
        label=gettext_lazy("Date of birth (optional)"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("DD.MM.YYYY or YYYY-MM-DD; 00 for an unknown day or month."),
    )

    field_order = ["name", "birth", "purpose", "reference"]

    def clean_birth(self) -> BirthDate | None:
        text = self.cleaned_data["birth"].strip()
        if not text:
            return None
        try:
            return BirthDate.parse(text, field="birth").check(
                today=today_in_hamburg(timezone.now()), field="birth"
            )
        except InvalidInput as error:
            raise forms.ValidationError(error.errors[0]["message"]) from error


def _record_url(person_id: int, purpose: access.Purpose) -> str:
    query = urlencode({"purpose": purpose.kind, "reference": purpose.reference})
    return f"{reverse('people:person', args=[person_id])}?{query}"


@require_GET
@staff_required(PeoplePerm.SEARCH)
def search(request: HttpRequest) -> HttpResponse:
    """Find a person: a short list to pick the right one (logged with the criteria)."""
    form = SearchForm(request.GET or None)
    hits: list[dict[str, Any]] = []
    problem: AppError | None = None
    searched = False
    if form.is_bound and form.is_valid():

        def find() -> list[access.PersonHit]:
            return access.persons_search(
                actor=actor_of(request),
                name=form.cleaned_data["name"],
                birth=form.cleaned_data["birth"],
                purpose=form.checked_purpose(),
            )

        found, problem = attempt(find, form=form)
        if found is not None:
            searched = True
            purpose = form.checked_purpose()
            hits = [{"hit": hit, "url": _record_url(hit.id, purpose)} for hit in found]
    return render(
        request,
        "people/search.html",
        {"form": form, "hits": hits, "searched": searched, "problem": problem},
        status=page_status(problem, form),
    )


class BlockForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for the block.")},
    )
    ends_on = BoundedDateField(
        label=gettext_lazy("Until (optional: two years)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_READ)
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person, one view: register data, residences over time, documents and (for the
    immigration side) residence titles with their expiry, the information block — as on a
    chosen day, with the history of changes on request. Opening it asks for the purpose first;
    every opening is logged."""
    purpose_form = PurposeForm(request.GET if "purpose" in request.GET else None)
    if not purpose_form.is_bound or not purpose_form.is_valid():
        return render(
            request,
            "people/purpose.html",
            {"form": purpose_form, "person_id": person_id},
            status=page_status(None, purpose_form),
        )
    purpose, problem = attempt(purpose_form.checked_purpose, form=purpose_form)
    if purpose is None:
        return render(
            request,
            "people/purpose.html",
            {"form": purpose_form, "person_id": person_id},
            status=page_status(problem, purpose_form),
        )
    actor = actor_of(request)
    block_form = BlockForm(request.POST or None)
    block_problem: AppError | None = None
    if request.method == "POST":
        require(request.user, PeoplePerm.BLOCK_MANAGE)
        record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)
        done, block_problem = _block_change(request, record, block_form)
        if done:
            return redirect(request.get_full_path())
    on = bounded_date(request.GET.get("on")) or today_in_hamburg(timezone.now())
    record = access.person_for(
        actor=actor,
        person_id=person_id,
        purpose=purpose,
        on=on,
        with_history=request.GET.get("history") == "1",
    )
    warn_before = on + EXPIRY_WARNING
    return render(
        request,
        "people/person.html",
        {
            "record": record,
            "purpose": purpose,
            "purpose_label": dict(AccessPurpose.choices)[purpose.kind],
            "today": today_in_hamburg(timezone.now()),
            "warn_before": warn_before,
            "can_block": has_perm(request.user, PeoplePerm.BLOCK_MANAGE),
            "block_form": block_form,
            "block_problem": block_problem,
            "history_url": f"{request.path}?{_with(request, history='1')}",
        },
        status=page_status(block_problem, block_form),
    )


def _with(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _block_change(
    request: HttpRequest, record: access.PersonRecord, form: BlockForm
) -> tuple[bool, AppError | None]:
    action = request.POST.get("action")
    actor = actor_of(request)
    block: InformationBlock | None = record.block
    if action == "lift" and block is not None:
        blocks.block_lift(block=block, actor=actor)
        messages.success(request, _("The information block is lifted."))
        return True, None
    if not form.is_valid():
        return False, None

    def change() -> InformationBlock:
        data = form.cleaned_data
        if block is not None:
            return blocks.block_extend(
                block=block, reason=data["reason"], ends_on=data["ends_on"], actor=actor
            )
        return blocks.block_set(
            person=record.person, reason=data["reason"], ends_on=data["ends_on"], actor=actor
        )

    changed, problem = attempt(change, form=form)
    if changed is not None:
        messages.success(
            request,
            _("The information block holds until %(day)s.")
            % {"day": changed.ends_on.strftime("%d.%m.%Y")},
        )
        return True, None
    return False, problem
