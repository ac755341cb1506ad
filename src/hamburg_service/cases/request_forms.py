"""The forms of document requests and appointment offers: the caseworker's (request, offer)
and the applicant's (upload the documents, choose a time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hamburg_service.cases.models import CaseDocument
from hamburg_service.cases.services.offers import PURPOSE_MAX
from hamburg_service.cases.services.requests import LABEL_MAX, MESSAGE_MAX, UPLOAD_PURPOSE
from hamburg_service.catalog.models import Service
from hamburg_service.core.dates import BoundedDateField
from hamburg_service.core.forms import AccessibleErrorsMixin, parse_moment
from hamburg_service.files.forms import FilesField, UploadsForm
from hamburg_service.files.policy import DOCUMENTS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RequestForm(AccessibleErrorsMixin, forms.Form):
    documents = forms.MultipleChoiceField(
        label=_("Documents of this kind of application"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    other = forms.CharField(
        label=_("Other documents (one per line)"),
        required=False,
        max_length=(LABEL_MAX + 1) * 10,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “Birth certificate of your child, with translation”."),
    )
    due_on = BoundedDateField(label=_("Answer by"), widget=DATE_INPUT)
    message = forms.CharField(
        label=_("Message to the applicant (optional)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It is sent as written, in the e-mail or letter and on the upload page."),
    )

    def __init__(self, *args: Any, documents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["documents"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = documents

    def clean_other(self) -> list[str]:
        text = self.cleaned_data.get("other") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class AnswerForm(UploadsForm):
    """One upload field per document asked for; several files each."""

    finish = forms.BooleanField(
        label=_("I have sent everything I can send: please go on with my application."),
        required=False,
        help_text=_(
            "Leave this empty to send the other documents later, up to the deadline. Tick it "
            "if you cannot get a document: your caseworker then decides how to go on."
        ),
    )

    def __init__(self, *args: Any, documents: list[CaseDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finish = self.fields.pop("finish")
        for doc in documents:
            field = FilesField(
                label=doc.label, required=False, policy=DOCUMENTS, purpose=UPLOAD_PURPOSE
            )
            field.actor = kwargs["actor"]
            self.fields[field_name(doc.key)] = field
        self.fields["finish"] = finish

    def uploads(self, documents: list[CaseDocument]) -> dict[str, list[Any]]:
        return {d.key: self.cleaned_data.get(field_name(d.key)) or [] for d in documents}


def field_name(key: str) -> str:
    return f"doc-{key}"


class OfferForm(AccessibleErrorsMixin, forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service to book"), queryset=Service.objects.none(), empty_label=None
    )
    purpose = forms.CharField(
        label=_("What for"),
        max_length=PURPOSE_MAX,
        help_text=_("For example: “Fingerprints and photo for your card”."),
    )
    window_from = BoundedDateField(label=_("From"), widget=DATE_INPUT)
    window_until = BoundedDateField(label=_("Until"), widget=DATE_INPUT)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services


class TimeForm(AccessibleErrorsMixin, forms.Form):
    """The time the applicant chose, as "<location slug>|<start, ISO>" (the radio buttons are
    the free times found when the page was shown; the booking checks the time again)."""

    time = forms.CharField(
        label=_("Time"),
        max_length=120,
        error_messages={"required": _("Choose a time.")},
    )

    def clean_time(self) -> tuple[str, dt.datetime]:
        slug, _bar, moment = str(self.cleaned_data["time"]).partition("|")
        start = parse_moment(moment)
        if not slug or start is None or start.tzinfo is None:
            raise forms.ValidationError(_("Choose a time."), code="time-invalid")
        return slug, start


def window_default(today: dt.date) -> tuple[dt.date, dt.date]:
    return today + dt.timedelta(days=1), today + dt.timedelta(days=21)
