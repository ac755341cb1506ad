"""Staff pages of the appointment book: day and week view, find, book for a caller, move,
cancel. Every page that shows names writes an access-log row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.permissions import Perm, has_perm
from hamburg_service.accounts.services import access_log_record
from hamburg_service.accounts.views import staff_required
from hamburg_service.appointments import availability, services
from hamburg_service.appointments.forms import PersonForm, ServiceChoiceField, bookable_services
from hamburg_service.appointments.models import Appointment, Channel
from hamburg_service.appointments.selectors import appointments_hit_by_closures
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location
from hamburg_service.errors import AppError, InvalidInput
from hamburg_service.web.forms import AccessibleErrorsMixin, parse_moment


def _location(request: HttpRequest, slug: str, perm: Perm) -> Location:
    location = Location.objects.filter(slug=slug).first()
    if location is None:
        raise Http404
    if not has_perm(request.user, perm, location):
        raise PermissionDenied
    return location


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
@staff_required(Perm.APPOINTMENTS_VIEW)
def book_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Day (or, with ?days=7, week) view of a location's appointments."""
    location = _location(request, slug, Perm.APPOINTMENTS_VIEW)
    day = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
    days = 7 if request.GET.get("days") == "7" else 1
    first, _last = hours.day_bounds(day)
    _first, last = hours.day_bounds(day + dt.timedelta(days=days - 1))
    appointments = list(
        Appointment.objects.filter(location=location, start__gte=first, start__lt=last)
        .select_related("counter")
        .prefetch_related("services")
        .order_by("start", "counter__name")
    )
    access_log_record(
        actor=request.user,
        what="appointment list",
        scope=f"{location.slug} {day} +{days}d",
        purpose="appointment book",
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
            "can_manage": has_perm(request.user, Perm.APPOINTMENTS_MANAGE, location),
            "affected": [
                {"a": a, "start": a.start.astimezone(hours.BERLIN)}
                for a in appointments_hit_by_closures(location=location)
            ],
        },
    )


class FindForm(AccessibleErrorsMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Reference, name or e-mail"),
        min_length=3,
        max_length=150,
        error_messages={"min_length": gettext_lazy("Enter at least 3 characters.")},
    )


@require_GET
@staff_required(Perm.APPOINTMENTS_VIEW)
def find(request: HttpRequest, slug: str) -> HttpResponse:
    location = _location(request, slug, Perm.APPOINTMENTS_VIEW)
    form = FindForm(request.GET or None)
    found: list[Appointment] = []
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"].strip()
        found = list(
            Appointment.objects.filter(location=location)
            .filter(
                Q(reference__iexact=q.replace("-", "").replace(" ", ""))
                | Q(name__icontains=q)
                | Q(email_normalised__iexact=services.email_normalise(q))
            )
            .order_by("-start")[:50]
        )
        access_log_record(
            actor=request.user,
            what="appointment search",
            scope=location.slug,
            purpose="find appointment for a caller",
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
    after = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = bookable_services().filter(locations=location).order_by("name_de")


class StaffPersonForm(PersonForm):
    start = forms.CharField(widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.APPOINTMENTS_MANAGE)
def book_for_caller(request: HttpRequest, slug: str) -> HttpResponse:
    """Front desk and phone staff book for a caller, using the staff share of capacity."""
    location = _location(request, slug, Perm.APPOINTMENTS_MANAGE)
    search = StaffSearchForm(request.GET or None, location=location)
    person = StaffPersonForm(request.POST or None)
    times: list[dict[str, Any]] = []
    problem: AppError | None = None
    chosen = list(search.cleaned_data["services"]) if search.is_bound and search.is_valid() else []
    if chosen and request.method == "POST" and person.is_valid():
        start = parse_moment(person.cleaned_data["start"])
        try:
            if start is None:
                raise InvalidInput(_("Choose a time."))
            booking = services.appointment_book(
                location=location,
                services=chosen,
                start=start,
                channel=Channel.STAFF,
                by=request.user,
                person=services.PersonInput(
                    name=person.cleaned_data["name"],
                    email=person.cleaned_data["email"],
                    phone=person.cleaned_data["phone"],
                    language=get_language() or "de",
                ),
            )
        except AppError as error:
            problem = error
        else:
            messages.success(
                request,
                _("Booked: %(ref)s. The caller receives an e-mail with the details.")
                % {"ref": booking.appointment.reference},
            )
            return redirect("appointments:staff-book", slug=location.slug)
    if chosen:
        today = timezone.localdate()
        _first, last = availability.booking_window(chosen, today)
        times = _staff_times(location, chosen, search.cleaned_data["after"] or today, last, 30)
    return render(
        request,
        "appointments/staff/book_for_caller.html",
        {
            "location": location,
            "search": search,
            "person": person,
            "times": times,
            "chosen": chosen,
            "problem": problem,
        },
        status=problem.status if problem else (422 if person.errors else 200),
    )


class ReasonForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        error_messages={"required": gettext_lazy("Please give a reason.")},
    )
    start = forms.CharField(required=False, widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.APPOINTMENTS_VIEW)
def appointment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = (
        Appointment.objects.select_related("location", "counter")
        .prefetch_related("services", "events__actor")
        .filter(reference=reference.upper())
        .first()
    )
    if appointment is None:
        raise Http404
    if not has_perm(request.user, Perm.APPOINTMENTS_VIEW, appointment.location):
        raise PermissionDenied
    can_manage = has_perm(request.user, Perm.APPOINTMENTS_MANAGE, appointment.location)
    form = ReasonForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                if request.POST.get("action") == "no_show":
                    services.appointment_no_show(appointment=appointment, by=request.user)
                    messages.success(request, _("Recorded: the person did not attend."))
                elif request.POST.get("action") == "cancel":
                    services.appointment_cancel(
                        appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The appointment is cancelled."))
                else:
                    start = parse_moment(form.cleaned_data["start"] or "")
                    if start is None:
                        raise InvalidInput(_("Choose a new time."))
                    services.appointment_move(
                        appointment=appointment,
                        start=start,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The appointment has been moved."))
            except AppError as error:
                problem = error
            else:
                return redirect("appointments:staff-detail", reference=appointment.reference)
    access_log_record(
        actor=request.user,
        what="appointment",
        scope=appointment.reference,
        purpose="appointment details",
    )
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
            "events": appointment.events.all(),
            "form": form,
            "times": times,
            "can_manage": can_manage,
            "problem": problem,
        },
        status=problem.status if problem else (422 if form.errors else 200),
    )
