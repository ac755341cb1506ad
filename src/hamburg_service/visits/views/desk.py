"""The front desk: draw a ticket for someone, check in an appointment, see the day."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hamburg_service.accounts.access import actor_of, location_for, staff_required
from hamburg_service.accounts.models import AccessPurpose
from hamburg_service.accounts.permissions import VisitsPerm
from hamburg_service.appointments.selectors import appointments_of_days
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location
from hamburg_service.core.errors import AppError
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.visits import selectors
from hamburg_service.visits.forms import CheckInForm, DeskIssueForm
from hamburg_service.visits.models import Ticket
from hamburg_service.visits.services import tickets

ESTIMATES_SHOWN = 30


@require_http_methods(["GET", "POST"])
@staff_required(VisitsPerm.DESK)
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    location = location_for(request.user, slug, VisitsPerm.DESK)
    actor = actor_of(request)
    now = timezone.now()
    issue = DeskIssueForm(location=location, prefix="issue")
    check_in = CheckInForm(prefix="checkin")
    problem: AppError | None = None
    if request.method == "POST":
        drawn: tuple[Ticket, str] | None = None
        if request.POST.get("action") == "check-in":
            check_in = CheckInForm(request.POST, prefix="checkin")
            what = _("Checked in")
            if check_in.is_valid():
                drawn, problem = attempt(
                    lambda: tickets.appointment_check_in(
                        location=location,
                        reference=check_in.cleaned_data["reference"],
                        actor=actor,
                        now=now,
                    ),
                    form=check_in,
                )
        else:
            issue = DeskIssueForm(request.POST, location=location, prefix="issue")
            what = _("Ticket issued")
            if issue.is_valid():
                drawn, problem = attempt(
                    lambda: tickets.ticket_issue(
                        location=location,
                        services=list(issue.cleaned_data["service"]),
                        needs_priority=issue.cleaned_data["needs_priority"],
                        language=get_language() or "de",
                        actor=actor,
                        now=now,
                    ),
                    form=issue,
                )
        if drawn is not None:
            return _issued(request, location, *drawn, what)
    today = now.astimezone(hours.BERLIN).date()
    snapshot = selectors.QueueSnapshot.of(location, now=now, full=True)
    ordered = snapshot.ordered()
    queued = {t.pk for t in ordered}
    appointments = appointments_of_days(
        location=location,
        first_day=today,
        days=1,
        actor=actor,
        purpose=AccessPurpose.FRONT_DESK,
        with_tickets=True,
    )
    return render(
        request,
        "visits/desk.html",
        {
            "location": location,
            "issue": issue,
            "check_in": check_in,
            "problem": problem,
            "issued": request.session.pop("visits_desk_issued", None),
            "appointments": [
                {
                    "a": a,
                    "start": a.start.astimezone(hours.BERLIN),
                    "ticket": getattr(a, "ticket", None),
                }
                for a in appointments
            ],
            "queue": [
                {
                    "ticket": t,
                    "services": snapshot.services.get(t.pk, []),
                    "estimate": snapshot.estimate(t) if i < ESTIMATES_SHOWN else None,
                }
                for i, t in enumerate(ordered)
            ],
            # Checked in for a later appointment: they join the queue at its time.
            "later": sorted(
                (t for t in snapshot.tickets if t.pk not in queued),
                key=lambda t: (t.due_at, t.pk),
            ),
            "today": today,
        },
        status=page_status(problem, issue, check_in),
    )


def _issued(
    request: HttpRequest, location: Location, ticket: Ticket, token: str, what: str
) -> HttpResponse:
    issued: dict[str, Any] = {
        "what": what,
        "number": ticket.number,
        "url": reverse("visits:ticket-print", kwargs={"token": token}),
        "estimate": ticket.estimate_minutes,
    }
    request.session["visits_desk_issued"] = issued
    return redirect("visits:desk", slug=location.slug)
