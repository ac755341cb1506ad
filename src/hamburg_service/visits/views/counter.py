"""The clerk's workstation: sign in at a counter, call, serve, park, transfer, finish.

Every action is one entry of `ACTIONS`: which form it reads, whether it acts on a ticket, and
the service it calls. The view only dispatches; the rules (a counter serves one person at a
time, only what it is skilled for) are the services'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import (
    actor_of,
    counter_for,
    has_perm,
    locations_for,
    staff_required,
)
from hamburg_service.accounts.permissions import PeoplePerm, VisitsPerm
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Counter
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Conflict, InvalidInput
from hamburg_service.core.forms import posted_id
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.people import access
from hamburg_service.visits import selectors
from hamburg_service.visits.forms import (
    AddServiceForm,
    CallForm,
    FinishForm,
    ParkForm,
    PersonLinkForm,
    TransferForm,
)
from hamburg_service.visits.models import Ticket, TicketStatus
from hamburg_service.visits.services import calling, counters


def _today() -> dt.date:
    return timezone.now().astimezone(hours.BERLIN).date()


@require_GET
@staff_required(VisitsPerm.COUNTER)
def counter_list(request: HttpRequest) -> HttpResponse:
    """The counters of the locations the user may work at, with who is signed in."""
    allowed = locations_for(request.user, VisitsPerm.COUNTER).filter(is_active=True)
    chosen = request.GET.get("location", "")
    places = list(allowed.order_by("slug"))
    many = len(places) > 1
    shown = [p for p in places if p.slug == chosen] if chosen else ([] if many else places)
    return render(
        request,
        "visits/counters.html",
        {
            "groups": selectors.counters_with_sessions(shown),
            "choose": many,
            "places": places,
            "chosen": chosen,
            "mine": selectors.session_of_user(cast(int, request.user.pk)),
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
        self.person = PersonLinkForm(prefix="person")

    def bind(self, name: str, data: Any, counter: Counter) -> forms.Form:
        form: forms.Form
        if name == "transfer":
            form = TransferForm(data, counter=counter, prefix=name)
        elif name == "add":
            form = AddServiceForm(data, location=counter.location, prefix=name)
        else:
            form = {
                "call": CallForm,
                "park": ParkForm,
                "finish": FinishForm,
                "person": PersonLinkForm,
            }[name](data, prefix=name)
        setattr(self, name, form)
        return form

    def all(self) -> list[forms.Form]:
        return [self.call, self.park, self.transfer, self.add, self.finish, self.person]


@dataclass
class Context:
    counter: Counter
    actor: Actor
    ticket: Ticket | None
    data: dict[str, Any]

    @property
    def number(self) -> dict[str, str]:
        return {"number": self.ticket.number if self.ticket else ""}


@dataclass(frozen=True)
class CounterAction:
    run: Callable[[Context], str]  # calls one service; returns the success message
    form: str = ""  # the CounterForms form the POST fills, if any
    ticket: bool = True  # acts on the ticket named in the POST


def _call_next(c: Context) -> str:
    called = calling.ticket_call_next(counter=c.counter, actor=c.actor)
    if called is None:
        return _("Nobody is waiting for the services of this counter.")
    return _("Called: %(number)s.") % {"number": called.number}


def _call(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_call(ticket=c.ticket, counter=c.counter, reason=c.data["reason"], actor=c.actor)
    return _("Called: %(number)s.") % c.number


def _recall(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_recall(ticket=c.ticket, counter=c.counter, actor=c.actor)
    return _("Called again: %(number)s.") % c.number


def _no_show(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_no_show(ticket=c.ticket, counter=c.counter, actor=c.actor)
    return _("Recorded: %(number)s did not come.") % c.number


def _park(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_park(ticket=c.ticket, counter=c.counter, note=c.data["note"], actor=c.actor)
    return _("Parked: %(number)s.") % c.number


def _resume(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_resume(ticket=c.ticket, counter=c.counter, actor=c.actor)
    return _("Resumed: %(number)s.") % c.number


def _transfer(c: Context) -> str:
    assert c.ticket is not None
    moved = calling.ticket_transfer(
        ticket=c.ticket,
        counter=c.counter,
        to_counter=c.data["to_counter"],
        to_service=c.data["to_service"],
        to_location=c.data["to_location"],
        note=c.data["note"],
        actor=c.actor,
    )
    if moved.status == TicketStatus.PARKED and c.data["to_counter"] is not None:
        return _("Transferred: %(number)s waits at %(counter)s, which is serving someone now.") % {
            "number": moved.number,
            "counter": c.data["to_counter"].name,
        }
    return _("Transferred: %(number)s.") % c.number


def _add_service(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_add_service(
        ticket=c.ticket, counter=c.counter, service=c.data["service"], actor=c.actor
    )
    return _("Service added to %(number)s.") % c.number


def _finish(c: Context) -> str:
    assert c.ticket is not None
    calling.ticket_finish(
        ticket=c.ticket,
        counter=c.counter,
        outcome=c.data["outcome"],
        note=c.data["note"],
        actor=c.actor,
    )
    return _("Finished: %(number)s.") % c.number


def _link_person(c: Context) -> str:
    assert c.ticket is not None
    person = access.person_ref(actor=c.actor, person_id=c.data["person"])
    calling.ticket_person_link(ticket=c.ticket, counter=c.counter, person=person, actor=c.actor)
    return _("%(number)s is linked to the person's record.") % c.number


ACTIONS: dict[str, CounterAction] = {
    "call-next": CounterAction(_call_next, ticket=False),
    "call": CounterAction(_call, form="call"),
    "recall": CounterAction(_recall),
    "no-show": CounterAction(_no_show),
    "park": CounterAction(_park, form="park"),
    "resume": CounterAction(_resume),
    "transfer": CounterAction(_transfer, form="transfer"),
    "add-service": CounterAction(_add_service, form="add"),
    "finish": CounterAction(_finish, form="finish"),
    "link-person": CounterAction(_link_person, form="person"),
}


def _post_ticket(request: HttpRequest, counter: Counter) -> Ticket:
    return selectors.ticket_at_counter(
        counter=counter, ticket_id=posted_id(request.POST.get("ticket")), day=_today()
    )


def _dispatch(request: HttpRequest, counter: Counter, f: CounterForms) -> str | None:
    """Run the posted action; its success message, or None when its form has errors."""
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise InvalidInput(_("Unknown action."), code="unknown-action")
    session = selectors.counter_session(counter)
    if session is None or session.user_id != request.user.pk:
        raise Conflict(
            _("You are not signed in at this counter (any more). Please sign in first."),
            code="not-signed-in",
        )
    data: dict[str, Any] = {}
    if action.form:
        form = f.bind(action.form, request.POST, counter)
        if not form.is_valid():
            return None
        data = form.cleaned_data
    ticket = _post_ticket(request, counter) if action.ticket else None
    context = Context(counter, actor_of(request), ticket, data)
    message, problem = attempt(
        lambda: action.run(context), form=getattr(f, action.form) if action.form else None
    )
    if problem is not None:
        if isinstance(problem, InvalidInput) and action.form:
            return None  # shown at the form's fields
        raise problem
    return message


@require_http_methods(["GET", "POST"])
@staff_required(VisitsPerm.COUNTER)
def counter_view(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = counter_for(request.user, counter_id, VisitsPerm.COUNTER)
    here = reverse("visits:counter", kwargs={"counter_id": counter.pk})
    f = CounterForms(counter)
    problem: AppError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "sign-in":
            counters.counter_sign_in(counter=counter, actor=actor_of(request))
            messages.success(
                request, _("You are signed in at %(counter)s.") % {"counter": counter.name}
            )
            return redirect(here)
        if action == "sign-out":
            counters.counter_sign_out(actor=actor_of(request))
            messages.success(request, _("You are signed out of the counter."))
            return redirect("visits:counters")
        done, problem = attempt(lambda: _dispatch(request, counter, f))
        if done is not None:
            messages.success(request, done)
            return redirect(here)
    return _counter_page(request, counter, f, problem)


def _counter_page(
    request: HttpRequest, counter: Counter, f: CounterForms, problem: AppError | None
) -> HttpResponse:
    now = timezone.now()
    day = now.astimezone(hours.BERLIN).date()
    session = selectors.counter_session(counter)
    signed_in = session is not None and session.user_id == request.user.pk
    current = selectors.ticket_served_for(counter=counter, day=day, actor=actor_of(request))
    current_services = selectors.ticket_services(current) if current else []
    appointment = current.appointment if current else None
    if current is not None:
        # Only the services this ticket does not have yet can be added.
        field = f.add.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = field.queryset.exclude(  # type: ignore[union-attr]
            pk__in=[s.pk for s in current_services]
        )
    queue = selectors.queue_for_counter(counter=counter, now=now) if signed_in else []
    queue_services = selectors.services_of_tickets(queue)
    parked = selectors.tickets_parked_at(counter=counter, day=day)
    return render(
        request,
        "visits/counter.html",
        {
            "counter": counter,
            "location": counter.location,
            "session": session,
            "signed_in": signed_in,
            "current": current,
            "current_services": current_services,
            "appointment": appointment,
            "appointment_start": appointment.start.astimezone(hours.BERLIN)
            if appointment
            else None,
            "documents": [doc for s in current_services for doc in s.documents],
            # Registration at the counter: identify the person in the register (logged reads
            # with this ticket as their purpose).
            "can_identify": has_perm(request.user, PeoplePerm.SEARCH),
            "ticket_reference": (
                f"{counter.location.slug}/{current.day.isoformat()}/{current.number}"[:40]
                if current
                else ""
            ),
            "no_show_after": settings.NO_SHOW_AFTER_CALLS,
            "can_no_show": bool(current and current.calls >= settings.NO_SHOW_AFTER_CALLS),
            "queue": [{"ticket": t, "services": queue_services.get(t.pk, [])} for t in queue],
            "parked": parked,
            "f": f,
            "form_errors": [form for form in f.all() if form.is_bound and form.errors],
            "problem": problem,
        },
        status=page_status(problem, *f.all()),
    )
