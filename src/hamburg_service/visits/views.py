"""On-site visit pages: the kiosk and its tickets, the mobile ticket, the call display, the front
desk and the counter workstation. Every write goes through visits.services (which records the
events); every refusal is an AppError shown as a message, never a server error."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.permissions import Perm, has_perm, locations_for
from hamburg_service.accounts.services import access_log_record
from hamburg_service.accounts.views import staff_required
from hamburg_service.appointments.models import Appointment
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.appointments.services import token_hash
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.errors import AppError, Conflict, InvalidInput, NotFound
from hamburg_service.visits import selectors, services
from hamburg_service.visits.forms import (
    AddServiceForm,
    CallForm,
    CheckInForm,
    DeskIssueForm,
    FinishForm,
    KioskIssueForm,
    NoticeForm,
    ParkForm,
    TransferForm,
    walk_in_services,
)
from hamburg_service.visits.models import (
    CounterSession,
    Ticket,
    TicketService,
    TicketStatus,
)
from hamburg_service.web.forms import errors_to_form
from hamburg_service.web.qr import qr_svg

ESTIMATES_SHOWN = 30  # the front desk's queue estimates each cost a few queries
CALLS_SHOWN = 8


# ------------------------------------------------------------------ helpers


def _today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(hours.BERLIN).date()


def _public_location(slug: str) -> Location:
    location = Location.objects.filter(slug=slug, is_active=True).first()
    if location is None:
        raise Http404(_("There is no such location."))
    return location


def _managed_location(request: HttpRequest, slug: str) -> Location:
    location = Location.objects.filter(slug=slug).first()
    if location is None:
        raise Http404
    if not has_perm(request.user, Perm.APPOINTMENTS_MANAGE, location):
        raise PermissionDenied
    return location


def _ticket_by_token(token: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related("location", "counter", "appointment")
        .filter(mobile_token_hash=token_hash(token))
        .first()
    )
    if ticket is None:
        raise Http404(_("This ticket does not exist."))
    return ticket


def _services_of(ticket: Ticket) -> list[Service]:
    return [
        ts.service for ts in TicketService.objects.filter(ticket=ticket).select_related("service")
    ]


def _problem_status(problem: AppError | None, *bound: forms.Form) -> int:
    if problem is not None:
        return problem.status
    if any(f.is_bound and f.errors for f in bound):
        return 422
    return 200


def _ticket_facts(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    """What the resident sees about their ticket: status, position and expected wait."""
    waiting = ticket.status == TicketStatus.WAITING
    position = selectors.position_of(ticket, now) if waiting else 0
    appointment_at = (
        ticket.appointment.start.astimezone(hours.BERLIN) if ticket.appointment else None
    )
    return {
        "ticket": ticket,
        "services": _services_of(ticket),
        "waiting": waiting,
        "position": position,
        "estimate": selectors.waiting_estimate(ticket=ticket, now=now) if waiting else None,
        "appointment_at": appointment_at,
        # A checked-in appointment joins the queue shortly before its time.
        "not_yet_due": waiting and position == 0 and appointment_at is not None,
    }


# ------------------------------------------------------------------ kiosk (public)


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """Draw a ticket for a walk-in service, or check in a booked appointment."""
    location = _public_location(slug)
    now = timezone.now()
    issue = KioskIssueForm(location=location)
    check_in = CheckInForm()
    problem: AppError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check-in":
                check_in = CheckInForm(request.POST)
                if check_in.is_valid():
                    _ticket, token = services.appointment_check_in(
                        location=location, reference=check_in.cleaned_data["reference"], now=now
                    )
                    return redirect("visits:ticket-print", token=token)
            else:
                issue = KioskIssueForm(request.POST, location=location)
                if issue.is_valid():
                    _ticket, token = services.ticket_issue(
                        location=location,
                        services=[issue.cleaned_data["service"]],
                        needs_priority=issue.cleaned_data["needs_priority"],
                        language=get_language() or "de",
                        now=now,
                    )
                    return redirect("visits:ticket-print", token=token)
        except AppError as error:
            problem = error
    walk_in = list(walk_in_services(location))
    return render(
        request,
        "visits/kiosk.html",
        {
            "location": location,
            "issue": issue,
            "check_in": check_in,
            "walk_in": walk_in,
            "only_appointments": not walk_in,
            "is_open": services.location_is_open(location, now),
            "problem": problem,
        },
        status=_problem_status(problem, issue, check_in),
    )


@require_GET
def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket as the kiosk prints it: number, expected wait and a QR code to follow it."""
    ticket = _ticket_by_token(token)
    mobile = request.build_absolute_uri(reverse("visits:mobile", kwargs={"token": token}))
    return render(
        request,
        "visits/ticket_print.html",
        {
            **_ticket_facts(ticket, timezone.now()),
            "location": ticket.location,
            "qr": qr_svg(mobile),
            "mobile_url": mobile,
        },
    )


@require_http_methods(["GET", "POST"])
def mobile(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket on the resident's phone; its status part refreshes itself (ticket.js)."""
    ticket = _ticket_by_token(token)
    now = timezone.now()
    if request.method == "GET" and request.GET.get("part") == "live":
        response = render(request, "visits/_ticket_live.html", _ticket_facts(ticket, now))
        response["Cache-Control"] = "no-store"
        return response
    form = NoticeForm(initial={"email": ticket.email})
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if ticket.status != TicketStatus.WAITING:
            messages.info(request, _("Your ticket is no longer waiting; no notice is needed."))
            return redirect("visits:mobile", token=token)
        if form.is_valid():
            ticket.email = form.cleaned_data["email"]
            ticket.save(update_fields=["email"])
            messages.success(
                request,
                _("Thank you. We will send an e-mail about %(minutes)d minutes before your turn.")
                % {"minutes": settings.CALL_NOTICE_MINUTES},
            )
            return redirect("visits:mobile", token=token)
    response = render(
        request,
        "visits/mobile.html",
        {
            **_ticket_facts(ticket, now),
            "form": form,
            "token": token,
            "notice_minutes": settings.CALL_NOTICE_MINUTES,
        },
        status=422 if form.is_bound and form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ call display (public)


def calls_version(calls: list[dict[str, Any]]) -> str:
    """Changes whenever the shown calls change (a new call, a recall, a finished ticket)."""
    text = "|".join(
        f"{c['number']};{c['counter']};{c['called_at'].isoformat() if c['called_at'] else ''};"
        f"{c['calls']}"
        for c in calls
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@require_GET
def display(request: HttpRequest, slug: str) -> HttpResponse:
    location = _public_location(slug)
    calls = selectors.recent_calls(location=location, limit=CALLS_SHOWN)
    return render(
        request,
        "visits/display.html",
        {
            "location": location,
            "calls": calls,
            "version": calls_version(calls),
            "api_url": reverse("api:visits-calls", kwargs={"slug": location.slug}),
        },
    )


# ------------------------------------------------------------------ front desk (staff)


def _queue_rows(location: Location, now: dt.datetime) -> tuple[list[dict[str, Any]], list[Ticket]]:
    """The waiting tickets in the order they will be called, with estimates; and the tickets
    of checked-in appointments that join the queue later."""
    day = _today(now)
    waiting = Ticket.objects.filter(
        location=location, day=day, status=TicketStatus.WAITING
    ).prefetch_related(
        Prefetch(
            "ticketservice_set",
            queryset=TicketService.objects.select_related("service"),
        )
    )
    ordered = list(selectors.queue_order(waiting, now).select_related("appointment"))
    rows = [
        {
            "ticket": t,
            "services": [ts.service for ts in t.ticketservice_set.all()],
            "estimate": (
                selectors.waiting_estimate(ticket=t, now=now) if i < ESTIMATES_SHOWN else None
            ),
        }
        for i, t in enumerate(ordered)
    ]
    queued = {t.pk for t in ordered}
    later = [
        t
        for t in waiting.select_related("appointment").order_by("due_at", "pk")
        if t.pk not in queued
    ]
    return rows, later


@require_http_methods(["GET", "POST"])
@staff_required(Perm.APPOINTMENTS_MANAGE)
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    """Front desk: draw a ticket for someone, check in an appointment, see the day."""
    location = _managed_location(request, slug)
    now = timezone.now()
    issue = DeskIssueForm(location=location, prefix="issue")
    check_in = CheckInForm(prefix="checkin")
    problem: AppError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check-in":
                check_in = CheckInForm(request.POST, prefix="checkin")
                if check_in.is_valid():
                    ticket, token = services.appointment_check_in(
                        location=location,
                        reference=check_in.cleaned_data["reference"],
                        by=request.user,
                        now=now,
                    )
                    return _issued(request, location, ticket, token, _("Checked in"))
            else:
                issue = DeskIssueForm(request.POST, location=location, prefix="issue")
                if issue.is_valid():
                    ticket, token = services.ticket_issue(
                        location=location,
                        services=[issue.cleaned_data["service"]],
                        needs_priority=issue.cleaned_data["needs_priority"],
                        language=get_language() or "de",
                        by=request.user,
                        now=now,
                    )
                    return _issued(request, location, ticket, token, _("Ticket issued"))
        except InvalidInput as error:
            errors_to_form(issue, error)
            problem = error
        except AppError as error:
            problem = error
    first, last = hours.day_bounds(_today(now))
    appointments = list(
        Appointment.objects.filter(location=location, start__gte=first, start__lt=last)
        .exclude(status=AppointmentStatus.EXPIRED)
        .select_related("counter", "ticket")
        .prefetch_related("services")
        .order_by("start", "pk")
    )
    access_log_record(
        actor=request.user,
        what="appointment list",
        scope=f"{location.slug} {_today(now)}",
        purpose="front desk",
    )
    rows, later = _queue_rows(location, now)
    issued = request.session.pop("visits_desk_issued", None)
    return render(
        request,
        "visits/desk.html",
        {
            "location": location,
            "issue": issue,
            "check_in": check_in,
            "problem": problem,
            "issued": issued,
            "appointments": [
                {
                    "a": a,
                    "start": a.start.astimezone(hours.BERLIN),
                    "ticket": getattr(a, "ticket", None),
                }
                for a in appointments
            ],
            "queue": rows,
            "later": later,
            "today": _today(now),
        },
        status=_problem_status(problem, issue, check_in),
    )


def _issued(
    request: HttpRequest, location: Location, ticket: Ticket, token: str, what: str
) -> HttpResponse:
    request.session["visits_desk_issued"] = {
        "what": what,
        "number": ticket.number,
        "url": reverse("visits:ticket-print", kwargs={"token": token}),
        "estimate": ticket.estimate_minutes,
    }
    return redirect("visits:desk", slug=location.slug)


# ------------------------------------------------------------------ counter workstation (staff)


@require_GET
@staff_required(Perm.APPOINTMENTS_MANAGE)
def counter_list(request: HttpRequest) -> HttpResponse:
    """The counters of the locations the user may work at, with who is signed in."""
    places = locations_for(request.user, Perm.APPOINTMENTS_MANAGE).filter(is_active=True)
    chosen = request.GET.get("location", "")
    many = places.count() > 1
    if chosen:
        places = places.filter(slug=chosen)
    elif many:
        places = places.none()
    open_sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(ended_at__isnull=True).select_related("user")
    }
    groups = []
    for location in places.order_by("slug"):
        counters = list(location.counters.filter(is_active=True).order_by("name"))
        groups.append(
            {
                "location": location,
                "counters": [{"c": c, "session": open_sessions.get(c.pk)} for c in counters],
            }
        )
    return render(
        request,
        "visits/counters.html",
        {
            "groups": groups,
            "choose": many,
            "places": locations_for(request.user, Perm.APPOINTMENTS_MANAGE)
            .filter(is_active=True)
            .order_by("slug"),
            "chosen": chosen,
            "mine": CounterSession.objects.filter(
                user_id=cast(int, request.user.pk), ended_at__isnull=True
            )
            .select_related("counter__location")
            .first(),
        },
    )


class CounterForms:
    """The forms of the workstation; the one that was sent comes back bound, with its errors."""

    def __init__(self, counter: Counter) -> None:
        self.call = CallForm(prefix="call")
        self.park = ParkForm(prefix="park")
        self.transfer = TransferForm(counter=counter, prefix="transfer")
        self.add = AddServiceForm(location=counter.location, prefix="add")
        self.finish = FinishForm(prefix="finish")

    def bound(self) -> list[forms.Form]:
        return [self.call, self.park, self.transfer, self.add, self.finish]


def _post_ticket(request: HttpRequest, counter: Counter) -> Ticket:
    try:
        pk = int(request.POST.get("ticket", ""))
    except ValueError:
        pk = 0
    ticket = Ticket.objects.filter(pk=pk, day=_today()).first()
    if ticket is None or (
        ticket.location_id != counter.location_id and ticket.counter_id != counter.pk
    ):
        raise NotFound(_("This ticket no longer exists here. The page has been updated."))
    return ticket


def _counter_action(
    request: HttpRequest, counter: Counter, action: str, f: CounterForms
) -> str | None:
    """Run one workstation action; returns the success message (None: a form has errors)."""
    by = request.user
    if action in ("call-next", "call"):
        busy = Ticket.objects.filter(
            counter=counter, day=_today(), status=TicketStatus.CALLED
        ).first()
        if busy is not None:
            raise Conflict(
                _("Please finish, park or transfer %(number)s before calling the next person.")
                % {"number": busy.number}
            )
    if action == "call-next":
        called = services.ticket_call_next(counter=counter, by=by)
        if called is None:
            return _("Nobody is waiting for the services of this counter.")
        return _("Called: %(number)s.") % {"number": called.number}
    if action == "call":
        f.call = CallForm(request.POST, prefix="call")
        if not f.call.is_valid():
            return None
        ticket = _post_ticket(request, counter)
        services.ticket_call(
            ticket=ticket, counter=counter, reason=f.call.cleaned_data["reason"], by=by
        )
        return _("Called: %(number)s.") % {"number": ticket.number}
    ticket = _post_ticket(request, counter)
    if action == "recall":
        services.ticket_recall(ticket=ticket, counter=counter, by=by)
        return _("Called again: %(number)s.") % {"number": ticket.number}
    if action == "no-show":
        services.ticket_no_show(ticket=ticket, counter=counter, by=by)
        return _("Recorded: %(number)s did not come.") % {"number": ticket.number}
    if action == "park":
        f.park = ParkForm(request.POST, prefix="park")
        if not f.park.is_valid():
            return None
        services.ticket_park(
            ticket=ticket, counter=counter, note=f.park.cleaned_data["note"], by=by
        )
        return _("Parked: %(number)s.") % {"number": ticket.number}
    if action == "resume":
        if ticket.counter_id != counter.pk:
            raise Conflict(_("This ticket is parked at another counter."))
        services.ticket_resume(ticket=ticket, counter=counter, by=by)
        return _("Resumed: %(number)s.") % {"number": ticket.number}
    if action == "transfer":
        f.transfer = TransferForm(request.POST, counter=counter, prefix="transfer")
        if not f.transfer.is_valid():
            return None
        data = f.transfer.cleaned_data
        try:
            services.ticket_transfer(
                ticket=ticket,
                counter=counter,
                to_counter=data["to_counter"],
                to_service=data["to_service"],
                to_location=data["to_location"],
                note=data["note"],
                by=by,
            )
        except IntegrityError as error:  # the number is already taken there today
            raise Conflict(
                _("%(number)s cannot move there: that location has given out the same number.")
                % {"number": ticket.number}
            ) from error
        return _("Transferred: %(number)s.") % {"number": ticket.number}
    if action == "add-service":
        f.add = AddServiceForm(request.POST, location=counter.location, prefix="add")
        if not f.add.is_valid():
            return None
        services.ticket_add_service(
            ticket=ticket, counter=counter, service=f.add.cleaned_data["service"], by=by
        )
        return _("Service added to %(number)s.") % {"number": ticket.number}
    if action == "finish":
        f.finish = FinishForm(request.POST, prefix="finish")
        if not f.finish.is_valid():
            return None
        try:
            services.ticket_finish(
                ticket=ticket,
                counter=counter,
                outcome=f.finish.cleaned_data["outcome"],
                note=f.finish.cleaned_data["note"],
                by=by,
            )
        except InvalidInput as error:
            errors_to_form(f.finish, error)
            return None
        return _("Finished: %(number)s.") % {"number": ticket.number}
    raise InvalidInput(_("Unknown action."))


ACTIONS_NEEDING_A_SESSION = frozenset(
    {
        "call-next",
        "call",
        "recall",
        "no-show",
        "park",
        "resume",
        "transfer",
        "add-service",
        "finish",
    }
)


@require_http_methods(["GET", "POST"])
@staff_required(Perm.APPOINTMENTS_MANAGE)
def counter_view(request: HttpRequest, counter_id: int) -> HttpResponse:
    """A clerk's workstation: sign in, call, serve, park, transfer, finish."""
    counter = (
        Counter.objects.select_related("location").filter(pk=counter_id, is_active=True).first()
    )
    if counter is None:
        raise Http404
    if not has_perm(request.user, Perm.APPOINTMENTS_MANAGE, counter.location):
        raise PermissionDenied
    here = reverse("visits:counter", kwargs={"counter_id": counter.pk})
    f = CounterForms(counter)
    problem: AppError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        session = _session_of(counter)
        try:
            if action == "sign-in":
                services.counter_sign_in(counter=counter, user=request.user)
                messages.success(
                    request, _("You are signed in at %(counter)s.") % {"counter": counter.name}
                )
                return redirect(here)
            if action == "sign-out":
                services.counter_sign_out(user=request.user)
                messages.success(request, _("You are signed out of the counter."))
                return redirect("visits:counters")
            if action not in ACTIONS_NEEDING_A_SESSION:
                raise InvalidInput(_("Unknown action."))
            if session is None or session.user_id != request.user.pk:
                raise Conflict(
                    _("You are not signed in at this counter (any more). Please sign in first.")
                )
            done = _counter_action(request, counter, action, f)
        except AppError as error:
            problem = error
        else:
            if done is not None:
                messages.success(request, done)
                return redirect(here)
    return _counter_page(request, counter, f, problem)


def _session_of(counter: Counter) -> CounterSession | None:
    return (
        CounterSession.objects.filter(counter=counter, ended_at__isnull=True)
        .select_related("user")
        .first()
    )


def _counter_page(
    request: HttpRequest, counter: Counter, f: CounterForms, problem: AppError | None
) -> HttpResponse:
    now = timezone.now()
    day = _today(now)
    session = _session_of(counter)
    signed_in = session is not None and session.user_id == request.user.pk
    called = list(
        Ticket.objects.filter(counter=counter, day=day, status=TicketStatus.CALLED)
        .select_related("appointment")
        .order_by("-called_at", "-pk")
    )
    current = called[0] if called else None
    wanted = request.GET.get("ticket", "")
    for t in called:
        if str(t.pk) == wanted:
            current = t
    current_services = _services_of(current) if current else []
    appointment = current.appointment if current else None
    if appointment is not None:
        access_log_record(
            actor=request.user,
            what="appointment",
            scope=appointment.reference,
            purpose="counter workstation",
        )
    if current is not None:
        # Only the services this ticket does not have yet can be added.
        field = f.add.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = field.queryset.exclude(  # type: ignore[union-attr]
            pk__in=[s.pk for s in current_services]
        )
    queue = selectors.queue_for_counter(counter=counter, now=now) if signed_in else []
    queue_services: dict[int, list[Service]] = {}
    for ts in TicketService.objects.filter(ticket__in=queue).select_related("service"):
        queue_services.setdefault(ts.ticket_id, []).append(ts.service)
    parked = list(
        Ticket.objects.filter(counter=counter, day=day, status=TicketStatus.PARKED).order_by(
            "arrived_at"
        )
    )
    errors = [form for form in f.bound() if form.is_bound and form.errors]
    return render(
        request,
        "visits/counter.html",
        {
            "counter": counter,
            "location": counter.location,
            "session": session,
            "signed_in": signed_in,
            "current": current,
            "others": [t for t in called if t is not current],
            "current_services": current_services,
            "appointment": appointment,
            "appointment_start": appointment.start.astimezone(hours.BERLIN)
            if appointment
            else None,
            "documents": [doc for s in current_services for doc in s.documents],
            "no_show_after": settings.NO_SHOW_AFTER_CALLS,
            "can_no_show": bool(current and current.calls >= settings.NO_SHOW_AFTER_CALLS),
            "queue": [{"ticket": t, "services": queue_services.get(t.pk, [])} for t in queue],
            "parked": parked,
            "f": f,
            "form_errors": errors,
            "problem": problem,
        },
        status=_problem_status(problem, *f.bound()),
    )
