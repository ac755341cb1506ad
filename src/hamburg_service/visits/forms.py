"""Forms of the on-site visit pages: kiosk, mobile ticket, front desk and counter workstation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hamburg_service.catalog.models import Access, Counter, Location, Service
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.visits.models import Outcome


def offered_services(location: Location) -> QuerySet[Service]:
    """Active services of `location`, in the language's alphabetical order."""
    column = "name_en" if get_language() == "en" else "name_de"
    return location.services.filter(is_active=True).order_by(column)


def walk_in_services(location: Location) -> QuerySet[Service]:
    """The services of `location` that can be used without an appointment."""
    return offered_services(location).filter(access__in=(Access.WALK_IN, Access.BOTH))


class ServiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ServicesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class KioskIssueForm(AccessibleErrorsMixin, forms.Form):
    """The kiosk's service buttons all submit `service`; the check box comes first."""

    needs_priority = forms.BooleanField(
        label=_("I need help or an accessible service"),
        required=False,
    )
    service = ServiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        error_messages={
            "required": _("Choose a service."),
            "invalid_choice": _("This service is not offered here."),
        },
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every offered service is accepted here; the service layer explains why one that
        # needs an appointment cannot be drawn.
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = offered_services(location)


class CheckInForm(AccessibleErrorsMixin, forms.Form):
    reference = forms.CharField(
        label=_("Appointment reference or QR code"),
        max_length=300,
        help_text=_("Scan the QR code from your confirmation, or type the 8-character reference."),
        error_messages={"required": _("Enter the reference of your appointment.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class NoticeForm(AccessibleErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send one e-mail shortly before it is your turn."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DeskIssueForm(AccessibleErrorsMixin, forms.Form):
    """One ticket for everything a walk-in needs: only a counter skilled for all of its
    services calls it (the queue rule). The boxes keep the kiosk's name, `service`."""

    service = ServicesField(
        label=_("Services"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick everything the person needs: one ticket, called by a counter for all."),
        error_messages={
            "required": _("Choose at least one service."),
            "invalid_choice": _("This service needs an appointment or is not offered here."),
        },
    )
    needs_priority = forms.BooleanField(
        label=_("Needs help or an accessible service (priority)"), required=False
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = walk_in_services(location)


class CallForm(AccessibleErrorsMixin, forms.Form):
    """Call one waiting ticket out of order."""

    ticket = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for calling out of order"),
        max_length=300,
        error_messages={"required": _("Please give a reason.")},
    )


class ParkForm(AccessibleErrorsMixin, forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)


class TransferForm(AccessibleErrorsMixin, forms.Form):
    to_counter = forms.ModelChoiceField(
        label=_("To another counter"),
        queryset=Counter.objects.none(),
        required=False,
        empty_label="–",
    )
    to_service = ServiceField(
        label=_("Or to another service (back into the queue)"),
        queryset=Service.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="–",
    )
    to_location = forms.ModelChoiceField(
        label=_("Or to another location (back into its queue)"),
        queryset=Location.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="–",
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, counter: Counter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_counter"].queryset = (  # type: ignore[attr-defined]
            Counter.objects.filter(location_id=counter.location_id, is_active=True).exclude(
                pk=counter.pk
            )
        )
        self.fields["to_service"].queryset = offered_services(  # type: ignore[attr-defined]
            counter.location
        )
        self.fields["to_location"].queryset = (  # type: ignore[attr-defined]
            Location.objects.filter(is_active=True).exclude(pk=counter.location_id).order_by("slug")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("to_counter") or data.get("to_service") or data.get("to_location")):
            raise forms.ValidationError(_("Choose a counter, a service or a location."))
        return data


class AddServiceForm(AccessibleErrorsMixin, forms.Form):
    service = ServiceField(
        label=_("Service to add"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose a service"),
        error_messages={"required": _("Choose a service.")},
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = offered_services(location)


class FinishForm(AccessibleErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        initial=Outcome.SERVED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an outcome.")},
    )
    note = forms.CharField(
        label=_("Reason (when not fully served)"),
        max_length=300,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") not in (None, Outcome.SERVED) and not data.get("note", "").strip():
            self.add_error("note", _("Please give a reason."))
        return data


class KioskSetupForm(AccessibleErrorsMixin, forms.Form):
    key = forms.CharField(
        label=_("Key of the ticket machine"),
        max_length=100,
        help_text=_(
            "The location lead creates it under Staff area → Ticket machines; it is shown once."
        ),
        error_messages={"required": _("Enter the key.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class KioskDeviceForm(AccessibleErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the new ticket machine"),
        max_length=60,
        help_text=_("Where it stands, for example “Entrance, left”."),
        error_messages={"required": _("Give the ticket machine a name.")},
    )


class PersonLinkForm(AccessibleErrorsMixin, forms.Form):
    """The record the clerk picked in the register for the person being served."""

    person = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
