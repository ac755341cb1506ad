"""The forms of the caseworker workstation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
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
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


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
