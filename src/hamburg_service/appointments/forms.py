from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hamburg_service.appointments.selectors import NEAREST_DEFAULT
from hamburg_service.catalog.models import Access, Agency, Location, Service
from hamburg_service.catalog.places import ResolvedPlace, near_resolve
from hamburg_service.catalog.selectors import locations_offering
from hamburg_service.core.dates import BoundedDateField
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.forms import AccessibleErrorsMixin, parse_moment

TIMES_OF_DAY = {
    "": (None, None),
    "morning": (dt.time(0), dt.time(11, 59)),
    "midday": (dt.time(12), dt.time(14, 59)),
    "afternoon": (dt.time(15), dt.time(23, 59)),
}


def bookable_services() -> Any:
    return (
        Service.objects.filter(is_active=True)
        .filter(Q(access=Access.APPOINTMENT) | Q(access=Access.BOTH))
        .exclude(channel="online")
    )


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SearchForm(AccessibleErrorsMixin, forms.Form):
    services = ServiceChoiceField(
        label=_("Services"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    location = LocationChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any location"),
    )
    after = BoundedDateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date.")},
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("morning", _("Morning (before 12:00)")),
            ("midday", _("Midday (12:00–15:00)")),
            ("afternoon", _("Afternoon (from 15:00)")),
        ],
    )
    near = forms.CharField(
        label=_("Near (postcode or district)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services_field = self.fields["services"]
        location_field = self.fields["location"]
        assert isinstance(services_field, forms.ModelMultipleChoiceField)
        assert isinstance(location_field, forms.ModelChoiceField)
        services_field.queryset = bookable_services().order_by("agency", "name_de")
        location_field.queryset = Location.objects.filter(is_active=True).order_by("name_de")
        self.fields["near"].help_text = gettext(
            "For example 20095, Ottensen, or an address with its postcode. We then search the "
            "%(count)d nearest locations."
        ) % {"count": NEAREST_DEFAULT}

    later = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def clean_later(self) -> dt.datetime | None:
        """Where "more times" continues: an aware moment within a year, else from the start."""
        moment = parse_moment(self.cleaned_data["later"])
        if moment is None or timezone.is_naive(moment):
            return None
        if abs(moment - timezone.now()) > dt.timedelta(days=366):
            return None
        return moment

    def clean_near(self) -> ResolvedPlace | None:
        """The place to search near (same resolution as the API's `near`), or None."""
        text = self.cleaned_data["near"].strip()
        if not text:
            return None
        try:
            return near_resolve(text, field="near")
        except InvalidInput as error:
            raise forms.ValidationError(error.errors[0]["message"], code="place") from error


class MoveSearchForm(SearchForm):
    """The search of the move page: the appointment's services are given."""

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["services"]
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        offering = [loc.pk for loc in locations_offering(services)]
        location_field.queryset = Location.objects.filter(pk__in=offering).order_by("name_de")
        location_field.empty_label = _("Any location that offers it")


def email_field(help_text: Any) -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address."),
        },
        help_text=help_text,
    )


class PersonForm(AccessibleErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please enter your name.")},
        help_text=_("As on your identity document. It cannot be changed after booking."),
    )
    email = email_field(_("We send the confirmation and the link to move or cancel here."))
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )


class LinkForm(AccessibleErrorsMixin, forms.Form):
    """Ask for the link to an appointment again."""

    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Please enter the booking reference.")},
        help_text=_("Eight letters and digits, in every e-mail about the appointment."),
    )
    email = email_field(_("The address the appointment was booked with."))


class WaitlistForm(AccessibleErrorsMixin, forms.Form):
    services = ServiceChoiceField(
        label=_("Services"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations (none ticked: any location)"),
        queryset=Location.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date_from = BoundedDateField(
        label=_("Earliest day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter a date."), "invalid": _("Enter a date.")},
    )
    date_to = BoundedDateField(
        label=_("Latest day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter a date."), "invalid": _("Enter a date.")},
    )
    name = PersonForm.base_fields["name"]
    email = PersonForm.base_fields["email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services_field = self.fields["services"]
        locations_field = self.fields["locations"]
        assert isinstance(services_field, forms.ModelMultipleChoiceField)
        assert isinstance(locations_field, forms.ModelMultipleChoiceField)
        services_field.queryset = bookable_services().order_by("agency", "name_de")
        locations_field.queryset = Location.objects.filter(is_active=True).order_by("name_de")
        locations_field.label_from_instance = lambda obj: str(obj.name)  # type: ignore[method-assign]
        self._offers: dict[int, set[str]] | None = None

    def offers(self) -> dict[int, set[str]]:
        """The slugs of the bookable services each active location offers, by location id (one
        query, once per form)."""
        if self._offers is None:
            self._offers = {}
            rows = Service.locations.through.objects.filter(
                location__is_active=True, service__in=bookable_services()
            ).values_list("location_id", "service__slug")
            for location_id, slug in rows:
                self._offers.setdefault(location_id, set()).add(slug)
        return self._offers

    def service_groups(self) -> list[tuple[str, list[Any]]]:
        """The service checkboxes grouped by agency, residents' affairs first (as on the
        search page)."""
        groups: dict[str, list[Any]] = {Agency.RESIDENTS: [], Agency.IMMIGRATION: []}
        for choice in self["services"]:
            groups.setdefault(choice.data["value"].instance.agency, []).append(choice)
        return [(str(Agency(code).label), items) for code, items in groups.items() if items]

    def location_choices(self) -> list[tuple[Any, str]]:
        """Each location checkbox with the services it offers ("slug slug …"): the page's
        script lists only the locations that offer every chosen service."""
        offers = self.offers()
        return [
            (choice, " ".join(sorted(offers.get(choice.data["value"].instance.pk, ()))))
            for choice in self["locations"]
        ]

    def clean(self) -> dict[str, Any]:
        """A ticked location must offer every chosen service (the script hides the others;
        without it, this says which)."""
        data = super().clean() or {}
        services, locations = data.get("services"), data.get("locations")
        if services and locations:
            offers = self.offers()
            for location in locations:
                missing = [s.name for s in services if s.slug not in offers.get(location.pk, ())]
                if missing:
                    self.add_error(
                        "locations",
                        gettext("%(location)s does not offer: %(names)s.")
                        % {"location": location.name, "names": ", ".join(missing)},
                    )
        return data
