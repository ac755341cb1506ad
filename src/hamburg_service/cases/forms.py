"""The forms of the caseworker workstation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hamburg_service.cases.models import CaseType, Channel
from hamburg_service.cases.services.lifecycle import NOTE_MAX, REASON_MAX, Outcome
from hamburg_service.core.dates import BoundedDateField
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.people.checks import BERLIN, today_in_hamburg

OUTCOME_CHOICES = [
    (Outcome.APPROVED, _("approved")),
    (Outcome.PARTLY, _("partly approved")),
    (Outcome.REJECTED, _("rejected")),
]


class CaseOpenForm(AccessibleErrorsMixin, forms.Form):
    case_type = forms.ModelChoiceField(
        label=_("Kind of application"), queryset=CaseType.objects.none(), empty_label=None
    )
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200)
    applicant_email = forms.EmailField(
        label=_("Applicant's e-mail (optional)"),
        required=False,
        help_text=_("We write to this address at each step the applicant should know of."),
    )
    language = forms.ChoiceField(
        label=_("Language of the letters and e-mails"),
        choices=[("de", "Deutsch"), ("en", "English")],
    )
    channel = forms.ChoiceField(
        label=_("How the application arrived"),
        choices=[(c.value, c.label) for c in Channel if c != Channel.ONLINE],
    )
    received_on = BoundedDateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For an application by post: the day it arrived. Empty: today."),
    )

    def __init__(self, *args: Any, case_types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["case_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case_types


class TransitionForm(AccessibleErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the case waits or is withdrawn; the applicant may see it."),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = targets


class NoteForm(AccessibleErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(AccessibleErrorsMixin, forms.Form):
    """The decision: reasons picked from the type's templates (grouped by outcome) and/or
    written; for a type that grants a title, its end and legal basis (cases.letters)."""

    outcome = forms.ChoiceField(
        label=_("Decision"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect
    )
    reason_keys = forms.MultipleChoiceField(
        label=_("Reasons to give"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick those that fit the decision; the letter gives them in this order."),
    )
    reasons = forms.CharField(
        label=_("Reasons in your own words"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "In German: the letter gives them after the reasons picked. Needed if you pick none."
        ),
    )
    valid_until = BoundedDateField(
        label=_("Title valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When granting: the last day of the residence title recorded on the person."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis of the title"),
        required=False,
        max_length=60,
        help_text=_("Empty: the case type's."),
    )

    def __init__(self, *args: Any, case_type: CaseType | None = None, **kwargs: Any) -> None:
        from hamburg_service.cases.reasons import reason_templates

        super().__init__(*args, **kwargs)
        field = self.fields["reason_keys"]
        assert isinstance(field, forms.MultipleChoiceField)
        if case_type is None:
            return
        groups = []
        for value, label in OUTCOME_CHOICES:
            texts = reason_templates(case_type, value)
            language = "en" if (get_language() or "de").startswith("en") else "de"
            if texts:
                groups.append((label, [(t.key, t.text(language)) for t in texts]))
        field.choices = groups
        if not case_type.grants_title_kind:
            del self.fields["valid_until"], self.fields["legal_basis"]
        elif case_type.grants_legal_basis:
            self.fields["legal_basis"].help_text = _("Empty: %(basis)s, the case type's.") % {
                "basis": case_type.grants_legal_basis
            }


class AssignForm(AccessibleErrorsMixin, forms.Form):
    user = forms.TypedChoiceField(label=_("Caseworker"), coerce=int, choices=[])

    def __init__(self, *args: Any, workers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = workers


class ReleaseForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=REASON_MAX)


def received_at(day: dt.date | None, now: dt.datetime) -> dt.datetime | None:
    """The moment an application received on `day` is counted from: now, for today."""
    if day is None:
        return None
    if day == today_in_hamburg(now):
        return now
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=BERLIN)
