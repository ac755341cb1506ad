"""Public visit pages: the ticket machine (kiosk) and its tickets, the mobile ticket, the call
display. Writes go through visits.services; refusals through core.pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.catalog import hours
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.core.qr import qr_svg
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.visits import selectors
from hamburg_service.visits.forms import (
    CheckInForm,
    KioskIssueForm,
    KioskSetupForm,
    NoticeForm,
    walk_in_services,
)
from hamburg_service.visits.models import KioskDevice, Ticket, TicketStatus
from hamburg_service.visits.services import kiosks, tickets

KIOSK = Actor.resident()  # whoever stands at the ticket machine


def kiosk_cookie(slug: str) -> str:
    return f"kiosk-{slug}"


def kiosk_key(request: HttpRequest, slug: str) -> str:
    """The device key a kiosk sends: its cookie, or the header of kiosk software."""
    return request.headers.get("X-Kiosk-Key") or request.COOKIES.get(kiosk_cookie(slug), "")


def check_in_limit(request: HttpRequest, device: KioskDevice) -> None:
    """Check-ins per ticket machine: enough for a queue at opening time, too few to try
    references until one fits."""
    rate_limit(
        request, group="kiosk-check-in", rate=settings.RATE_LIMIT_CHECK_IN, key=f"kiosk:{device.pk}"
    )


def ticket_facts(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """What the resident sees about their ticket: status, position and expected wait."""
    waiting = ticket.status == TicketStatus.WAITING
    position = selectors.position_of(ticket, now) if waiting else 0
    appointment_at = (
        ticket.appointment.start.astimezone(hours.BERLIN) if ticket.appointment else None
    )
    return {
        "ticket": ticket,
        "services": selectors.ticket_services(ticket),
        "waiting": waiting,
        "position": position,
        "estimate": selectors.waiting_estimate(ticket=ticket, now=now) if waiting else None,
        "appointment_at": appointment_at,
        # A checked-in appointment joins the queue shortly before its time.
        "not_yet_due": waiting and position == 0 and appointment_at is not None,
    }


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """Draw a ticket for a walk-in service, or check in a booked appointment. Only a set-up
    ticket machine of this location (its device key) may; anything else sees the set-up
    form."""
    location = selectors.public_location(slug)
    now = timezone.now()
    key = kiosk_key(request, slug)
    set_up, _problem = attempt(lambda: kiosks.kiosk_device_check(location=location, key=key))
    if set_up is None:
        return kiosk_setup(request, slug)
    issue = KioskIssueForm(location=location)
    check_in = CheckInForm()
    problem: AppError | None = None
    if request.method == "POST":
        _limited, problem = attempt(
            lambda: rate_limit(
                request,
                group="kiosk-location",
                rate=settings.RATE_LIMIT_KIOSK_LOCATION,
                key=f"location:{location.pk}",
            )
        )
        drawn: tuple[Ticket, str] | None = None
        if problem is None and request.POST.get("action") == "check-in":
            check_in = CheckInForm(request.POST)
            _limited, problem = attempt(lambda: check_in_limit(request, set_up))
            if problem is None and check_in.is_valid():
                drawn, problem = attempt(
                    lambda: tickets.appointment_check_in(
                        location=location,
                        reference=check_in.cleaned_data["reference"],
                        actor=KIOSK,
                        now=now,
                    ),
                    form=check_in,
                )
        elif problem is None:
            issue = KioskIssueForm(request.POST, location=location)
            if issue.is_valid():
                drawn, problem = attempt(
                    lambda: tickets.ticket_issue(
                        location=location,
                        services=[issue.cleaned_data["service"]],
                        needs_priority=issue.cleaned_data["needs_priority"],
                        language=get_language() or "de",
                        actor=KIOSK,
                        now=now,
                    ),
                    form=issue,
                )
        if drawn is not None:
            return redirect("visits:ticket-print", token=drawn[1])
    walk_in = list(walk_in_services(location))
    is_open = tickets.location_is_open(location, now)
    today = now.astimezone(hours.BERLIN).date()
    return render(
        request,
        "visits/kiosk.html",
        {
            "location": location,
            "issue": issue,
            "check_in": check_in,
            "walk_in": walk_in,
            "only_appointments": not walk_in,
            "is_open": is_open,
            # Said before anyone presses a button, not after.
            "walk_ins_left": selectors.walk_ins_left(location=location, day=today)
            if is_open
            else None,
            "opens_next": None if is_open else selectors.opens_next(location=location, now=now),
            "problem": problem,
        },
        status=page_status(problem, issue, check_in),
    )


@require_http_methods(["GET", "POST"])
def kiosk_setup(request: HttpRequest, slug: str) -> HttpResponse:
    """Make this screen a ticket machine of the location: the key the location lead created
    (Staff area → Ticket machines) is entered once and kept by the device as a cookie."""
    location = selectors.public_location(slug)
    form = KioskSetupForm(request.POST if request.POST.get("action") == "setup" else None)
    problem: AppError | None = None
    if form.is_bound and form.is_valid():
        key = form.cleaned_data["key"].strip()
        device, problem = attempt(
            lambda: kiosks.kiosk_device_check(location=location, key=key), form=form
        )
        if device is not None:
            response = redirect("visits:kiosk", slug=slug)
            response.set_cookie(
                kiosk_cookie(slug),
                key,
                max_age=5 * 365 * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Strict",
            )
            return response
    status = page_status(problem, form)
    if request.method == "POST" and status == 200:
        status = 403  # a ticket POST from a screen that is not set up
    return render(
        request,
        "visits/kiosk_setup.html",
        {"location": location, "form": form, "problem": problem},
        status=status,
    )


@require_GET
def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket as the kiosk prints it: number, expected wait and a QR code to follow it."""
    ticket = selectors.ticket_by_token(token)
    mobile_url = request.build_absolute_uri(reverse("visits:mobile", kwargs={"token": token}))
    return render(
        request,
        "visits/ticket_print.html",
        {
            **ticket_facts(ticket, timezone.now()),
            "location": ticket.location,
            "qr": qr_svg(mobile_url),
            "mobile_url": mobile_url,
        },
    )


@require_http_methods(["GET", "POST"])
def mobile(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket on the resident's phone; its status part refreshes itself (ticket.js)."""
    ticket = selectors.ticket_by_token(token)
    now = timezone.now()
    if request.method == "GET" and request.GET.get("part") == "live":
        response = render(request, "visits/_ticket_live.html", ticket_facts(ticket, now))
        response["Cache-Control"] = "no-store"
        return response
    form = NoticeForm(request.POST or None, initial={"email": ticket.email})
    problem: AppError | None = None
    if form.is_bound and form.is_valid():
        done, problem = attempt(
            lambda: tickets.ticket_notice_request(
                ticket=ticket,
                email=form.cleaned_data["email"],
                actor=Actor.resident(form.cleaned_data["email"]),
                now=now,
            ),
            form=form,
        )
        if done is not None:
            messages.success(
                request,
                _("Thank you. We will send an e-mail about %(minutes)d minutes before your turn.")
                % {"minutes": settings.CALL_NOTICE_MINUTES},
            )
            return redirect("visits:mobile", token=token)
        if problem is not None and problem.code == "not-waiting":
            messages.info(request, problem.detail)
            return redirect("visits:mobile", token=token)
    response = render(
        request,
        "visits/mobile.html",
        {
            **ticket_facts(ticket, now),
            "form": form,
            "token": token,
            "notice_minutes": settings.CALL_NOTICE_MINUTES,
            "problem": problem,
        },
        status=page_status(problem, form),
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def display(request: HttpRequest, slug: str) -> HttpResponse:
    location = selectors.public_location(slug)
    calls = selectors.recent_calls(location=location)
    return render(
        request,
        "visits/display.html",
        {
            "location": location,
            "calls": calls,
            "version": selectors.calls_version(calls),
            "api_url": reverse("api:visits-calls", kwargs={"slug": location.slug}),
            "interval_ms": settings.CALL_DISPLAY_POLL_MS,
        },
    )
