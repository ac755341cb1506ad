"""Staff pages of the appointment book: day and week view, find, book for a caller, move,
cancel. Every read of names goes through appointments.selectors, which logs it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import (
    actor_of,
    has_perm,
    location_for,
    require,
    staff_required,
)
from hamburg_service.accounts.models import AccessPurpose
from hamburg_service.accounts.permissions import AppointmentsPerm
from hamburg_service.appointments import availability
from hamburg_service.appointments.forms import ServiceChoiceField, bookable_services
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.appointments.selectors import (
    appointment_for,
    appointments_find,
    appointments_of_days,
    closure_hits_for,
)
from hamburg_service.appointments.services import booking, lifecycle
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Closure, Location
from hamburg_service.core.dates import BoundedDateField, bounded_date
from hamburg_service.core.errors import AppError, InvalidInput
from hamburg_service.core.forms import AccessibleErrorsMixin, parse_moment
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.core.qr import qr_svg


def _staff_times(
    location: Location, chosen: list[Any], start: dt.date, end: dt.date, limit: int
) -> list[dict[str, Any]]:
    """Free times within the staff share, as radio-button choices."""
    found = availability.free_times(
        locations=[location],
        services=chosen,
        channel=Channel.STAFF,
        start=start,
        end=end,
        limit=limit,
    )
    return [
        {"start": f.start.astimezone(hours.BERLIN), "value": f.start.isoformat()} for f in found
    ]


@require_GET
@staff_required(AppointmentsPerm.VIEW)
def book_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Day (or, with ?days=7, week) view of a location's appointments."""
    location = location_for(request.user, slug, AppointmentsPerm.VIEW)
    today = timezone.localdate()
    day = bounded_date(request.GET.get("date")) or today
    days = 7 if request.GET.get("days") == "7" else 1
    appointments = appointments_of_days(
        location=location,
        first_day=day,
        days=days,
        actor=actor_of(request),
        purpose=AccessPurpose.APPOINTMENT_BOOK,
    )
    return render(
        request,
        "appointments/staff/book.html",
        {
            "location": location,
            "day": day,
            "days": days,
            "previous": day - dt.timedelta(days=days),
            "next": day + dt.timedelta(days=days),
            "appointments": [
                {
                    "a": a,
                    "start": a.start.astimezone(hours.BERLIN),
                    "end": a.end.astimezone(hours.BERLIN),
                }
                for a in appointments
            ],
            "can_manage": has_perm(request.user, AppointmentsPerm.MANAGE, location),
            "affected": _affected(closure_hits_for(location=location, actor=actor_of(request))),
        },
    )


def _affected(hits: list[tuple[Appointment, Closure]]) -> list[dict[str, Any]]:
    return [{"a": a, "start": a.start.astimezone(hours.BERLIN), "closure": c} for a, c in hits]


@require_GET
@staff_required(AppointmentsPerm.VIEW)
def closure_affected(request: HttpRequest, slug: str, closure_id: int) -> HttpResponse:
    """After a closure is saved: how many appointments it hits, each linked, to move them
    (the people with an e-mail address are told by the scheduler's closure notices)."""
    location = location_for(request.user, slug, AppointmentsPerm.VIEW)
    closure = Closure.objects.filter(pk=closure_id, location=location).first()
    if closure is None:
        raise Http404(_("There is no such closure."))
    affected = _affected(
        closure_hits_for(location=location, actor=actor_of(request), closure=closure)
    )
    return render(
        request,
        "appointments/staff/closure.html",
        {"location": location, "closure": closure, "affected": affected},
    )


class FindForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Reference, name or e-mail"),
        min_length=3,
        max_length=150,
        error_messages={"min_length": gettext_lazy("Enter at least 3 characters.")},
    )


@require_GET
@staff_required(AppointmentsPerm.VIEW)
def find(request: HttpRequest, slug: str) -> HttpResponse:
    location = location_for(request.user, slug, AppointmentsPerm.VIEW)
    form = FindForm(request.GET or None)
    found: list[Appointment] = []
    if form.is_bound and form.is_valid():
        found = appointments_find(
            location=location, text=form.cleaned_data["q"], actor=actor_of(request)
        )
    return render(
        request,
        "appointments/staff/find.html",
        {"location": location, "form": form, "found": found},
    )


class StaffSearchForm(AccessibleErrorsMixin, forms.Form):
    services = ServiceChoiceField(
        label=gettext_lazy("Services"),
        queryset=bookable_services(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one service.")},
    )
    after = BoundedDateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = bookable_services().filter(locations=location).order_by("name_de")


class CallerForm(AccessibleErrorsMixin, forms.Form):
    """The caller's details, as the member of staff enters them: an e-mail address, a phone
    number, or neither — then the reference is read out and the confirmation printed."""

    start = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=gettext_lazy("Caller's name"),
        max_length=150,
        error_messages={"required": gettext_lazy("Please enter the caller's name.")},
        help_text=gettext_lazy("As on their identity document."),
    )
    email = forms.EmailField(
        label=gettext_lazy("Caller's e-mail address (optional)"),
        required=False,
        error_messages={"invalid": gettext_lazy("This e-mail address is not valid.")},
        help_text=gettext_lazy(
            "The caller receives the confirmation and the link to move or cancel."
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Caller's phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
        help_text=gettext_lazy("To reach the caller if the appointment must change."),
    )
    no_contact = forms.BooleanField(
        label=gettext_lazy("No e-mail address or phone: I read the reference out to the caller."),
        required=False,
    )

    language = forms.ChoiceField(
        label=gettext_lazy("Caller's language (e-mails and the printed confirmation)"),
        choices=settings.LANGUAGES,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contact = data.get("email") or data.get("phone") or data.get("no_contact")
        if not contact and "email" not in self.errors:
            self.add_error(
                "email",
                _(
                    "Enter the caller's e-mail address or phone number, or tick that you "
                    "read the reference out."
                ),
            )
        return data


@require_http_methods(["GET", "POST"])
@staff_required(AppointmentsPerm.MANAGE)
def book_for_caller(request: HttpRequest, slug: str) -> HttpResponse:
    """Front desk and phone staff book for a caller, using the staff share of capacity."""
    location = location_for(request.user, slug, AppointmentsPerm.MANAGE)
    search = StaffSearchForm(request.GET or None, location=location)
    person = CallerForm(request.POST or None, initial={"language": get_language() or "de"})
    times: list[dict[str, Any]] = []
    problem: AppError | None = None
    chosen = list(search.cleaned_data["services"]) if search.is_bound and search.is_valid() else []
    if chosen and request.method == "POST" and person.is_valid():
        start = parse_moment(person.cleaned_data["start"])
        data = person.cleaned_data

        def book_it() -> booking.Booking:
            if start is None:
                raise InvalidInput.field("start", _("Choose a time."))
            return booking.appointment_book(
                slot=booking.Slot.of(location, chosen, start),
                channel=Channel.STAFF,
                actor=actor_of(request),
                person=PersonInput(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=data["language"] or get_language() or "de",
                ),
            )

        booked, problem = attempt(book_it, form=person)
        if booked is not None:
            done = {"ref": booked.appointment.reference, "name": booked.appointment.name}
            messages.success(
                request,
                _("Booked for %(name)s: %(ref)s. They receive an e-mail with the details.") % done
                if booked.appointment.email
                else _(
                    "Booked for %(name)s: %(ref)s. Read the reference out to the caller; its "
                    "page has a confirmation to print or send by post."
                )
                % done,
            )
            # Back to the book on the day just booked, where the new appointment is.
            day = booked.appointment.start.astimezone(hours.BERLIN).date()
            book_url = reverse("appointments:staff-book", kwargs={"slug": location.slug})
            return redirect(f"{book_url}?date={day.isoformat()}")
    if chosen:
        today = timezone.localdate()
        _first, last = availability.booking_window(chosen, today)
        after = max(today, min(search.cleaned_data["after"] or today, last))
        times = _staff_times(location, chosen, after, last, 30)
    return render(
        request,
        "appointments/staff/book_for_caller.html",
        {
            "location": location,
            "search": search,
            "person": person,
            "times": times,
            "chosen": chosen,
            # After an error the time the caller chose stays chosen (not the first one).
            "chosen_start": request.POST.get("start", "") if request.method == "POST" else "",
            "problem": problem,
        },
        status=page_status(problem, person),
    )


class ReasonForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        error_messages={"required": gettext_lazy("Please give a reason.")},
    )
    start = forms.CharField(required=False, widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
@staff_required(AppointmentsPerm.VIEW)
def appointment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    appointment = appointment_for(
        reference=reference,
        actor=actor,
        perm=AppointmentsPerm.VIEW,
        purpose=AccessPurpose.APPOINTMENT_DETAILS,
    )
    can_manage = has_perm(request.user, AppointmentsPerm.MANAGE, appointment.location)
    form = ReasonForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST":
        require(request.user, AppointmentsPerm.MANAGE, appointment.location)
        if form.is_valid():
            action = request.POST.get("action")
            reason = form.cleaned_data["reason"]

            def change() -> str:
                if action == "no_show":
                    lifecycle.appointment_no_show(appointment=appointment, actor=actor)
                    return _("Recorded: the person did not attend.")
                if action == "cancel":
                    lifecycle.appointment_cancel(
                        appointment=appointment, actor=actor, reason=reason
                    )
                    return _("The appointment is cancelled.")
                start = parse_moment(form.cleaned_data["start"] or "")
                if start is None:
                    raise InvalidInput.field("start", _("Choose a new time."))
                lifecycle.appointment_move(
                    appointment=appointment, start=start, actor=actor, reason=reason
                )
                return _("The appointment has been moved.")

            done, problem = attempt(change, form=form)
            if done is not None:
                messages.success(request, done)
                return redirect("appointments:staff-detail", reference=appointment.reference)
    chosen = list(appointment.services.order_by("appointmentservice__position"))
    times = []
    if can_manage and appointment.is_active:
        _first, last = availability.booking_window(chosen, timezone.localdate())
        times = _staff_times(appointment.location, chosen, timezone.localdate(), last, 20)
    return render(
        request,
        "appointments/staff/detail.html",
        {
            "appointment": appointment,
            "services": chosen,
            "start": appointment.start.astimezone(hours.BERLIN),
            "end": appointment.end.astimezone(hours.BERLIN),
            "events": appointment.events.select_related("actor_user"),
            "form": form,
            "times": times,
            "can_manage": can_manage,
            "problem": problem,
        },
        status=page_status(problem, form),
    )


@require_GET
@staff_required(AppointmentsPerm.VIEW)
def appointment_print(request: HttpRequest, reference: str) -> HttpResponse:
    """A confirmation to hand over or post, in the language the appointment was booked in:
    for a caller without an e-mail address."""
    appointment = appointment_for(
        reference=reference,
        actor=actor_of(request),
        perm=AppointmentsPerm.VIEW,
        purpose=AccessPurpose.APPOINTMENT_DETAILS,
    )
    with translation.override(appointment.language):
        return render(
            request,
            "appointments/staff/print.html",
            {
                "appointment": appointment,
                "services": list(appointment.services.order_by("appointmentservice__position")),
                "start": appointment.start.astimezone(hours.BERLIN),
                "end": appointment.end.astimezone(hours.BERLIN),
                "qr": qr_svg(appointment.reference),
            },
        )
