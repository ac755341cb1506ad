"""Public booking pages: find a time, book it, confirm, move or cancel without an account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.appointments import availability, ics
from hamburg_service.appointments.forms import (
    TIMES_OF_DAY,
    LinkForm,
    MoveSearchForm,
    PersonForm,
    SearchForm,
    WaitlistForm,
    bookable_services,
)
from hamburg_service.appointments.ics import ics_for
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.selectors import (
    NEAREST_DEFAULT,
    appointment_by_token,
    closure_of,
    locations_near,
    waitlist_entry_by_token,
)
from hamburg_service.appointments.services import booking, lifecycle, waitlist
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.appointments.services.tokens import link_key
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Agency, Location, Service
from hamburg_service.catalog.places import ResolvedPlace
from hamburg_service.catalog.revision import revision_pinned
from hamburg_service.catalog.selectors import locations_offering
from hamburg_service.core.actors import Actor
from hamburg_service.core.captcha import captcha_verify
from hamburg_service.core.errors import AppError, Conflict, InvalidInput
from hamburg_service.core.forms import parse_moment
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.qr import qr_svg
from hamburg_service.core.ratelimit import rate_limit

MAX_SHOWN = 30


@dataclass
class TimesFound:
    """What a search found, as the search and the move page show it: per day, the times in
    order — or, near a place, per location nearest first, each with its times."""

    days: list[tuple[dt.date, list[dict[str, Any]]]]
    near: ResolvedPlace | None
    later: str = ""  # the last time shown, where "more times" continues; empty: no more


def _last_unit_dropped(found: list[availability.FreeTime]) -> list[availability.FreeTime]:
    """A full page may end inside one start time (a few of its locations cut off): leave that
    time to the next page, unless it is all there is."""
    if len(found) < MAX_SHOWN or found[0].start == found[-1].start:
        return found
    return [item for item in found if item.start != found[-1].start]


def _times_find(
    form: SearchForm, chosen: Sequence[Service], url_for: Callable[[Location, dt.datetime], str]
) -> TimesFound:
    """The free times for a valid search `form`, each with its link (`url_for`)."""
    data = form.cleaned_data
    place = data["location"]
    places = [place] if place else locations_offering(chosen)
    near = data["near"]
    distances: dict[int, float] = {}
    if near is not None:  # the same ranking as the API's `near`
        places, distances = locations_near(places, place=near, count=NEAREST_DEFAULT)
    today = timezone.localdate()
    first, last = availability.booking_window(chosen, today)
    start = max(first, data["after"] or first)
    earliest, latest = TIMES_OF_DAY[data["time_of_day"] or ""]
    # "More times" continues after the last time shown (starts after it, like after now).
    now = max(timezone.now(), data["later"] or timezone.now())
    found = availability.free_times(
        locations=places,
        services=chosen,
        start=max(start, now.astimezone(hours.BERLIN).date()),
        end=last,
        earliest_time=earliest,
        latest_time=latest,
        limit=MAX_SHOWN,
        now=now,
    )
    shown = _last_unit_dropped(found)
    by_pk = {loc.pk: loc for loc in places}
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for item in shown:
        local = item.start.astimezone(hours.BERLIN)
        location = by_pk[item.location_id]
        by_day[local.date()].append(
            {
                "start": local,
                "location": location,
                "distance_km": distances.get(location.pk),
                "url": url_for(location, local),
            }
        )
    days = sorted(by_day.items())
    if near is not None:  # within a day, the nearest location first, each with its times
        days = [
            (
                day,
                [
                    {"location": items[0]["location"], "distance_km": km, "times": items}
                    for (km, _pk), items in _by_location(times)
                ],
            )
            for day, times in days
        ]
    later = shown[-1].start.isoformat() if len(found) >= MAX_SHOWN else ""
    return TimesFound(days=days, near=near, later=later)


def _by_location(
    times: list[dict[str, Any]],
) -> list[tuple[tuple[float, int], list[dict[str, Any]]]]:
    groups: dict[tuple[float, int], list[dict[str, Any]]] = defaultdict(list)
    for item in times:
        groups[(item["distance_km"], item["location"].pk)].append(item)
    return sorted(groups.items())


def _book_url(location: Location, services_: Sequence[Service], start: dt.datetime) -> str:
    query = urlencode(
        [
            ("location", location.slug),
            *[("services", s.slug) for s in services_],
            ("start", start.isoformat()),
        ]
    )
    return f"{reverse('appointments:book')}?{query}"


def _more_url(request: HttpRequest, later: str) -> str:
    """This search again, continuing after `later`."""
    query = request.GET.copy()
    query["later"] = later
    return f"?{query.urlencode()}#results"


@require_GET
@revision_pinned()  # one catalogue revision read for the whole page
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    found: TimesFound | None = None
    chosen: list[Service] = []
    if form.is_bound and form.is_valid():
        rate_limit(request, group="search", rate=settings.RATE_LIMIT_SEARCH)
        chosen = list(form.cleaned_data["services"])
        found = _times_find(form, chosen, lambda loc, start: _book_url(loc, chosen, start))
    return render(
        request,
        "appointments/search.html",
        {
            "form": form,
            "found": found,
            "more_url": _more_url(request, found.later) if found and found.later else "",
            "chosen_services": chosen,
            "service_groups": _service_groups(form),
        },
    )


def _service_groups(form: SearchForm) -> list[tuple[str, list[Any]]]:
    """The service checkboxes grouped by agency, residents' affairs first."""
    agency_of = dict(bookable_services().values_list("slug", "agency"))
    groups: dict[str, list[Any]] = {Agency.RESIDENTS: [], Agency.IMMIGRATION: []}
    for choice in form["services"]:
        groups.setdefault(agency_of.get(str(choice.data["value"]), ""), []).append(choice)
    return [(str(Agency(code).label), items) for code, items in groups.items() if items and code]


def _booking_request(request: HttpRequest) -> tuple[Location, list[Service], dt.datetime]:
    """The location, services and time a booking page is about, from its query string."""
    params = request.GET
    location = Location.objects.filter(slug=params.get("location", ""), is_active=True).first()
    slugs = params.getlist("services")
    chosen = list(Service.objects.filter(slug__in=slugs, is_active=True))
    chosen.sort(key=lambda s: slugs.index(s.slug))
    start = parse_moment(params.get("start", "") or "")
    if location is None or not chosen or len(chosen) != len(set(slugs)) or start is None:
        raise Http404(_("This booking link is incomplete. Please search for a time again."))
    return location, chosen, start


@require_http_methods(["GET", "POST"])
@revision_pinned()
def book(request: HttpRequest) -> HttpResponse:
    location, chosen, start = _booking_request(request)
    form = PersonForm(request.POST or None)
    problem: AppError | None = None
    alternatives: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        person = PersonInput(
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            language=get_language() or "de",
        )

        def book_it() -> booking.Booking:
            rate_limit(request, group="booking", rate=settings.RATE_LIMIT_BOOKING)
            captcha_verify(request.POST.get("captcha", ""))
            return booking.appointment_book(
                slot=booking.Slot.of(location, chosen, start),
                person=person,
                actor=Actor.resident(person.email),
            )

        booked, problem = attempt(book_it, form=form)
        if booked is not None:
            if booked.confirm_token:
                messages.success(
                    request,
                    _(
                        "Almost done: we have sent you an e-mail. Please confirm the appointment "
                        "with the link in it within %(minutes)d minutes."
                    )
                    % {"minutes": settings.BOOKING_HOLD_MINUTES},
                )
            else:
                messages.success(request, _("Your appointment is booked."))
            return redirect("appointments:manage", token=booked.manage_token)
        if isinstance(problem, Conflict):
            for item in problem.extra.get("next_free_times", []):
                moment = dt.datetime.fromisoformat(item["start"]).astimezone(hours.BERLIN)
                alternatives.append({"start": moment, "url": _book_url(location, chosen, moment)})
    response = render(
        request,
        "appointments/book.html",
        {
            "form": form,
            "location": location,
            "services": chosen,
            "start": start.astimezone(hours.BERLIN),
            "end": (
                start
                + dt.timedelta(minutes=availability.units_for(chosen) * availability.unit_minutes())
            ).astimezone(hours.BERLIN),
            "problem": problem,
            "alternatives": alternatives,
            "captcha_enabled": settings.CAPTCHA_ENABLED,
        },
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A button, not a GET side effect: mail scanners open links, they do not press buttons."""
    if request.method == "POST":
        appointment = lifecycle.appointment_confirm(token=token, actor=Actor.resident())
        messages.success(request, _("Thank you, your appointment is confirmed."))
        return render(request, "appointments/confirmed.html", {"appointment": appointment})
    return render(request, "appointments/confirm.html", {"token": token})


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_by_token(token=token)
    resident = Actor.resident(appointment.email)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "cancel":  # ask first: cancelling cannot be undone
        return render(
            request,
            "appointments/cancel_confirm.html",
            {"appointment": appointment, "token": token},
        )
    if action == "cancel-confirmed":
        _cancelled, problem = attempt(
            lambda: lifecycle.appointment_cancel(
                appointment=appointment, actor=resident, reason=_("cancelled online")
            )
        )
        if problem is not None:
            messages.error(request, problem.detail)
        else:
            messages.success(
                request, _("Your appointment is cancelled. The time is free for others again.")
            )
        return redirect("appointments:manage", token=token)
    if action == "keep":
        lifecycle.appointment_keep(appointment=appointment, actor=resident)
        messages.success(request, _("Thank you. Your appointment stays booked."))
        return redirect("appointments:manage", token=token)
    chosen = list(appointment.services.order_by("appointmentservice__position"))
    return render(
        request,
        "appointments/manage.html",
        {
            "appointment": appointment,
            "services": chosen,
            "start": appointment.start.astimezone(hours.BERLIN),
            "end": appointment.end.astimezone(hours.BERLIN),
            "qr": qr_svg(appointment.reference),
            "token": token,
            "past": appointment.end <= timezone.now(),
            "closure": closure_of(appointment),
            # The reminder's "I still need it" link asks here; only the button records it.
            "ask_keep": bool(request.GET.get("keep")),
        },
    )


def _move_url(token: str, location: Location, start: dt.datetime) -> str:
    query = urlencode([("location", location.slug), ("start", start.isoformat())])
    return f"{reverse('appointments:move', args=[token])}?{query}"


def _move_choice(request: HttpRequest) -> tuple[Location | None, dt.datetime | None]:
    """The new location and time a move page is about (from the link or the form), if any."""
    params = request.POST if request.method == "POST" else request.GET
    slug = params.get("location", "")
    location = Location.objects.filter(slug=slug, is_active=True).first() if slug else None
    return location, parse_moment(params.get("start", "") or "")


@require_http_methods(["GET", "POST"])
@revision_pinned()
def move(request: HttpRequest, token: str) -> HttpResponse:
    """Move to any time at any location that offers the services, found as on the search page;
    a chosen time is confirmed with one button."""
    appointment = appointment_by_token(token=token)
    if not appointment.is_active:
        return redirect("appointments:manage", token=token)
    chosen = list(appointment.services.order_by("appointmentservice__position"))
    location, start = _move_choice(request)
    problem: AppError | None = None
    alternatives: list[dict[str, Any]] = []
    if request.method == "POST":

        def move_it() -> Appointment:
            if start is None or location is None:
                raise InvalidInput.field("start", _("Choose a new time."))
            return lifecycle.appointment_move(
                appointment=appointment,
                start=start,
                location=location,
                actor=Actor.resident(appointment.email),
            )

        moved, problem = attempt(move_it)
        if moved is not None:
            messages.success(request, _("Your appointment has been moved."))
            return redirect("appointments:manage", token=token)
        if isinstance(problem, Conflict) and location is not None:
            for item in problem.extra.get("next_free_times", []):
                moment = dt.datetime.fromisoformat(item["start"]).astimezone(hours.BERLIN)
                alternatives.append({"start": moment, "url": _move_url(token, location, moment)})
    confirming = location is not None and start is not None and problem is None
    form = MoveSearchForm(
        None if confirming or request.method == "POST" else (request.GET or None),
        services=chosen,
    )
    found: TimesFound | None = None
    if not confirming:
        if not form.is_bound:  # at first, the earliest times anywhere: a move is often a rush
            form = MoveSearchForm({}, services=chosen)
        if form.is_valid():
            rate_limit(request, group="search", rate=settings.RATE_LIMIT_SEARCH)
            found = _times_find(form, chosen, lambda loc, when: _move_url(token, loc, when))
    response = render(
        request,
        "appointments/move.html",
        {
            "appointment": appointment,
            "services": chosen,
            "start": appointment.start.astimezone(hours.BERLIN),
            "confirming": confirming,
            "new_location": location,
            "new_start": start.astimezone(hours.BERLIN) if start else None,
            "form": form,
            "found": found,
            "more_url": _more_url(request, found.later) if found and found.later else "",
            "problem": problem,
            "alternatives": alternatives,
            "token": token,
        },
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


@require_GET
def calendar(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_by_token(token=token)
    response = HttpResponse(ics_for(appointment), content_type=ics.MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="termin-{appointment.reference}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def waitlist_join(request: HttpRequest) -> HttpResponse:
    """Join the waitlist when no suitable time is free."""
    initial = {
        "services": request.GET.getlist("services"),
        "locations": [slug for slug in request.GET.getlist("location") if slug],
    }
    form = WaitlistForm(request.POST or None, initial=initial)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def join() -> object:
            rate_limit(request, group="booking", rate=settings.RATE_LIMIT_BOOKING)
            captcha_verify(request.POST.get("captcha", ""))
            return waitlist.waitlist_join(
                services=list(data["services"]),
                locations=list(data["locations"]),
                date_from=data["date_from"],
                date_to=data["date_to"],
                person=PersonInput(
                    name=data["name"], email=data["email"], language=get_language() or "de"
                ),
                actor=Actor.resident(data["email"]),
            )

        # The same answer whether or not the address waits already (its owner hears of it).
        _joined, problem = attempt(join, form=form)
        if problem is None:
            return render(request, "appointments/waitlist_joined.html", {"email": data["email"]})
    response = render(
        request,
        "appointments/waitlist.html",
        {"form": form, "problem": problem, "captcha_enabled": settings.CAPTCHA_ENABLED},
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest) -> HttpResponse:
    """Lost the link to an appointment? Reference and e-mail address, and the link goes to the
    address on file; the page answers the same whether or not the pair exists."""
    form = LinkForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def send() -> object:
            rate_limit(request, group="link", rate=settings.RATE_LIMIT_BOOKING)
            # and per reference: nobody makes the service mail an appointment's owner again
            # and again
            rate_limit(request, group="link-reference", rate="3/h", key=link_key(data["reference"]))
            lifecycle.appointment_link_request(reference=data["reference"], email=data["email"])
            return True

        sent, problem = attempt(send, form=form)
        if sent:
            return render(request, "appointments/link.html", {"sent_to": data["email"]})
    response = render(
        request,
        "appointments/link.html",
        {"form": form, "problem": problem},
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


@require_http_methods(["GET", "POST"])
def waitlist_leave(request: HttpRequest, token: str) -> HttpResponse:
    entry = waitlist_entry_by_token(token=token)
    resident = Actor.resident(entry.email)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        waitlist.waitlist_confirm(entry=entry, actor=resident)
        messages.success(request, _("Thank you. You are on the waitlist."))
        return redirect("appointments:waitlist-leave", token=token)
    if request.method == "POST":
        waitlist.waitlist_leave(entry=entry, actor=resident)
        messages.success(request, _("You have left the waitlist."))
        return redirect("appointments:waitlist-leave", token=token)
    return render(request, "appointments/waitlist_leave.html", {"entry": entry})
