"""Appointments from a case: the caseworker's form "Offer an appointment" (its panel is on the
case page), the letter for an applicant without e-mail, and the applicant's page to choose a
time within the window (no account). An unknown, used or expired link answers like the upload
page's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import StaffPerm
from hamburg_service.appointments.services.booking import Booking
from hamburg_service.cases import selectors
from hamburg_service.cases.models import AppointmentOffer, Case
from hamburg_service.cases.request_forms import OfferForm, TimeForm, window_default
from hamburg_service.cases.request_mails import offer_letter
from hamburg_service.cases.services.common import require_worker
from hamburg_service.cases.services.offers import (
    OfferTime,
    appointment_offer_book,
    appointment_offer_create,
    appointment_offer_open,
    offer_days,
    offer_is_open,
    offer_locations,
    offer_services,
    offer_times,
)
from hamburg_service.cases.upload_views import link_invalid_page
from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import InvalidInput, NotFound
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.people.checks import today_in_hamburg

PREFIX = "o"  # the form's fields on the case page, beside its other forms


def offer_form(case: Case, data: object = None) -> OfferForm:
    first, last = window_default(today_in_hamburg(timezone.now()))
    services = offer_services(case.case_type.agency)
    initial: dict[str, Any] = {"window_from": first, "window_until": last}
    if services.filter(pk=case.case_type.service_id).exists():
        initial["service"] = case.case_type.service_id
    return OfferForm(data, services=services, prefix=PREFIX, initial=initial)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.AREA)
def offer_new(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    form = offer_form(case, request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, problem = attempt(
            lambda: appointment_offer_create(
                case=case,
                service=data["service"],
                purpose=data["purpose"],
                window_from=data["window_from"],
                window_until=data["window_until"],
                actor=actor,
            ),
            form=form,
        )
        if created is not None:
            offer, _token = created
            if case.applicant_email:
                messages.success(
                    request,
                    _("The offer is sent to %(email)s.") % {"email": case.applicant_email},
                )
                return redirect(reverse("cases:case", args=[case.reference]))
            messages.success(
                request,
                _(
                    "The offer is recorded. The applicant has no e-mail address: send this letter "
                    "by post."
                ),
            )
            return redirect("cases:offer-letter", reference=case.reference, pk=offer.pk)
    return render(
        request,
        "cases/offer_form.html",
        {"case": case, "form": form, "problem": problem},
        status=page_status(problem, form),
    )


@never_cache
@require_GET
@staff_required(StaffPerm.AREA)
def offer_letter_view(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.case_for(actor=actor, reference=reference).case
    require_worker(actor, case)
    offer = get_object_or_404(
        AppointmentOffer.objects.select_related("case", "service", "appointment"),
        pk=pk,
        case=case,
    )
    return render(
        request,
        "cases/offer_letter.html",
        {
            "case": case,
            "letter": offer_letter(offer),
            "open": offer_is_open(offer, today=today_in_hamburg(timezone.now())),
        },
    )


PER_LOCATION = 6  # times per location while all locations are shown


@dataclass(frozen=True, slots=True)
class Place:
    location: Location
    times: list[OfferTime]
    more: bool  # more times there: choose the location to see them


def _by_location(times: list[OfferTime], *, cap: int | None) -> list[Place]:
    groups: dict[int, list[OfferTime]] = defaultdict(list)
    for item in times:
        groups[item.location.pk].append(item)
    places = [
        Place(items[0].location, items[:cap] if cap else items, bool(cap and len(items) > cap))
        for items in groups.values()
    ]
    return sorted(places, key=lambda p: (p.times[0].start, p.location.name))


@never_cache
@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a time within the offer's window at a location offering the service."""
    rate_limit(request, group="case-link", rate=settings.RATE_LIMIT_CASE_LINKS)
    try:
        offer = appointment_offer_open(token=token)
    except NotFound:
        return link_invalid_page(request)
    locations = offer_locations(offer)
    chosen = next((p for p in locations if p.slug == request.GET.get("location")), None)
    days = offer_days(offer)
    day = next((d for d in days if d.isoformat() == request.GET.get("day")), None)
    form = TimeForm(request.POST if request.method == "POST" else None)
    problem = None
    if request.method == "POST" and form.is_valid():
        slug, start = form.cleaned_data["time"]
        location = next((p for p in locations if p.slug == slug), None)

        def book() -> Booking:
            if location is None:
                raise InvalidInput.field("time", _("Choose a time."), code="time-invalid")
            return appointment_offer_book(
                offer=offer,
                location=location,
                start=start,
                actor=Actor.resident(offer.case.applicant_email),
            )

        booked, problem = attempt(book, form=form)
        if isinstance(problem, NotFound):  # booked meanwhile, or the window closed
            return link_invalid_page(request)
        if booked is not None:
            messages.success(request, _("Your appointment is booked."))
            return redirect("appointments:manage", token=booked.manage_token)
    if day is None:  # the first day with a free time
        earliest = offer_times(offer=offer, location=chosen, limit=1)
        day = earliest[0].start.date() if earliest else None
    times = offer_times(offer=offer, location=chosen, day=day) if day is not None else []
    return render(
        request,
        "cases/offer_choose.html",
        {
            "offer": offer,
            "case": offer.case,
            "places": _by_location(times, cap=None if chosen else PER_LOCATION),
            "locations": locations,
            "chosen": chosen,
            "days": days,
            "day": day,
            "form": form,
            "problem": problem,
        },
        status=page_status(problem, form),
    )
