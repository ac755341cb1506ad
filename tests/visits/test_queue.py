"""Tickets, queue rules and every step at the counter, through the service layer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from hamburg_service.appointments.models import Appointment, AppointmentEvent
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.appointments.services.booking import Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog.models import Closure
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.notifications.models import Message
from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket, TicketEvent, TicketService, TicketStatus
from hamburg_service.visits.services import calling, counters, days, tickets
from tests.support.actors import RESIDENT, SYSTEM
from tests.support.db import unchanged

from .conftest import DAY, at

TICKET_ROWS = (Ticket, TicketEvent, TicketService)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


def next_at(counter, actor):
    """Call the next ticket at `counter`, finishing whatever it had before."""
    current = Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED).first()
    if current is not None:
        calling.ticket_finish(ticket=current, counter=counter, outcome="served", actor=actor)
    return calling.ticket_call_next(counter=counter, actor=actor)


def walk_in(centre, *svc, **kw):
    return tickets.ticket_issue(
        location=centre.location, services=svc or [centre.anmeldung], actor=RESIDENT, **kw
    )[0]


def check_in(location, reference, **kw):
    return tickets.appointment_check_in(
        location=location, reference=reference, actor=RESIDENT, **kw
    )


def appointment_at(centre, start, n=1):
    return appointment_book(
        slot=Slot.of(centre.location, [centre.anmeldung], start),
        person=PersonInput(name=f"P{n}", email=f"p{n}@example.org"),
        actor=SYSTEM,
        channel="staff",
    ).appointment


def test_walk_in_tickets_are_numbered_per_day_and_agency(centre):
    first, second = walk_in(centre), walk_in(centre)
    assert (first.number, second.number) == ("A001", "A002")
    assert first.due_at == at(9)
    events = list(TicketEvent.objects.filter(ticket=first).values_list("kind", "at"))
    assert events == [("issued", at(9))]


def test_walk_in_refusals_say_why(centre, settings):
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as only_booked:
        walk_in(centre, centre.booked_only)
    assert only_booked.value.code == "appointment-only"
    assert "appointment" in only_booked.value.detail.lower() or "Termin" in only_booked.value.detail
    settings.WALK_IN_DAILY_QUOTA = 1
    walk_in(centre)
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as used_up:
        walk_in(centre)
    assert used_up.value.code == "quota-used-up"
    with (
        time_machine.travel(at(17), tick=False),
        unchanged(*TICKET_ROWS),
        pytest.raises(Conflict) as closed,
    ):
        walk_in(centre)
    assert closed.value.code == "closed-now"
    assert Ticket.objects.count() == 1


def test_walk_ins_are_called_in_order_of_arrival_by_skilled_counters(centre, morning, clerk):
    a = walk_in(centre, centre.anmeldung)
    morning.shift(dt.timedelta(minutes=1))
    p = walk_in(centre, centre.passport)
    morning.shift(dt.timedelta(minutes=1))
    assert next_at(centre.passport_only, clerk) == p
    assert next_at(centre.passport_only, clerk) is None
    assert next_at(centre.both, clerk) == a


def test_a_counter_serves_only_tickets_whose_services_it_has_all(centre, clerk):
    walk_in(centre, centre.anmeldung, centre.passport)
    with unchanged(*TICKET_ROWS):
        assert calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk) is None
    assert calling.ticket_call_next(counter=centre.both, actor=clerk) is not None


def test_due_appointments_come_before_walk_ins_and_priority_before_arrival(centre, morning, clerk):
    morning.move_to(at(8, 30))
    early_walk_in = walk_in(centre)
    needs_help = walk_in(centre, needs_priority=True)
    appointment = appointment_at(centre, at(9, 30))
    checked_in = check_in(centre.location, appointment.reference)[0]
    assert checked_in.number == "T001"
    # Before its time (minus grace) the appointment waits; priority goes first.
    assert next_at(centre.both, clerk) == needs_help
    morning.move_to(at(9, 25))
    assert next_at(centre.both, clerk) == checked_in
    assert next_at(centre.both, clerk) == early_walk_in


def test_check_in_explains_other_places_and_days_without_telling_them(centre, morning):
    appointment = appointment_at(centre, at(11))
    tomorrow = appointment_at(centre, at(11, day=DAY + dt.timedelta(days=1)), n=2)
    with unchanged(*TICKET_ROWS, Appointment):
        with pytest.raises(Conflict) as elsewhere:
            check_in(centre.other, appointment.reference)
        assert elsewhere.value.code == "other-location"
        # Whoever types a reference at a kiosk learns neither where nor when that booking is.
        assert "Centre" not in elsewhere.value.detail
        assert "11:00" not in elsewhere.value.detail
        with pytest.raises(Conflict) as other_day:
            check_in(centre.location, tomorrow.reference)
        assert other_day.value.code == "other-day"
        assert "15.01" not in other_day.value.detail
        with pytest.raises(Conflict) as early:  # 9:00 is more than 60 minutes before 11:00
            check_in(centre.location, appointment.reference)
        assert early.value.code == "too-early"
        with pytest.raises(NotFound) as unknown:
            check_in(centre.location, "ZZZZZZZZ")
        assert unknown.value.code == "reference-unknown"
    morning.move_to(at(10, 30))
    scanned = f"https://example/?ref={appointment.reference.lower()}"
    ticket, _token = check_in(centre.location, scanned)
    assert ticket.appointment == appointment
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as twice:
        check_in(centre.location, appointment.reference)
    assert twice.value.code == "checked-in"


def test_late_arrivals_queue_as_walk_ins(centre, morning):
    appointment = appointment_at(centre, at(9, 30))
    morning.move_to(at(9, 50))
    ticket, _ = check_in(centre.location, appointment.reference)
    assert ticket.due_at == at(9, 50)
    assert ticket.events.get(kind="checked_in").data["late"] is True


def test_every_step_at_the_counter_is_an_event_with_time_counter_and_actor(centre, morning, clerk):
    ticket = walk_in(centre)
    morning.shift(dt.timedelta(minutes=4))
    called = calling.ticket_call_next(counter=centre.both, actor=clerk)
    assert called == ticket
    calling.ticket_recall(ticket=called, counter=centre.both, actor=clerk)
    calling.ticket_park(ticket=called, counter=centre.both, note="holt Pass", actor=clerk)
    calling.ticket_resume(ticket=called, counter=centre.both, actor=clerk)
    calling.ticket_add_service(
        ticket=called, counter=centre.both, service=centre.passport, actor=clerk
    )
    morning.shift(dt.timedelta(minutes=12))
    done = calling.ticket_finish(ticket=called, counter=centre.both, outcome="served", actor=clerk)
    events = list(done.events.values_list("kind", "counter_id", "actor_kind", "actor_user_id"))
    assert [e[0] for e in events] == [
        "issued",
        "called",
        "recalled",
        "parked",
        "resumed",
        "added",
        "finished",
    ]
    assert events[0][2:] == ("resident", None)
    assert all(e[1:] == (centre.both.pk, "staff", clerk.user.pk) for e in events[1:])
    assert done.events.get(kind="parked").data == {"note": "holt Pass"}
    assert done.first_called_at - done.arrived_at == dt.timedelta(minutes=4)  # waiting time
    assert done.handled_seconds == 12 * 60  # handling time
    assert done.finished_at == at(9, 16)
    assert list(done.services.values_list("slug", flat=True)) == ["anmeldung", "passport"]


def test_a_busy_counter_must_finish_before_calling_again(centre, clerk):
    walk_in(centre)
    second = walk_in(centre)
    first = calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as busy:
        calling.ticket_call_next(counter=centre.both, actor=clerk)
    assert busy.value.code == "counter-busy"
    assert first.number in busy.value.detail
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as out_of_order:
        calling.ticket_call(ticket=second, counter=centre.both, reason="Eilfall", actor=clerk)
    assert out_of_order.value.code == "counter-busy"
    # A parked ticket cannot come back while the counter serves someone else either.
    calling.ticket_park(ticket=first, counter=centre.both, actor=clerk)
    assert calling.ticket_call_next(counter=centre.both, actor=clerk) == second
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as resume:
        calling.ticket_resume(ticket=first, counter=centre.both, actor=clerk)
    assert resume.value.code == "counter-busy"


def test_the_database_refuses_a_second_called_ticket_at_one_counter(centre, clerk):
    walk_in(centre)
    second = walk_in(centre)
    calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(Ticket), pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=second.pk).update(status=TicketStatus.CALLED, counter=centre.both)


def test_a_clerk_cannot_act_on_a_ticket_another_counter_has(centre, clerk):
    walk_in(centre)
    ticket = calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(*TICKET_ROWS):
        with pytest.raises(Conflict) as finish:
            calling.ticket_finish(
                ticket=ticket, counter=centre.anmeldung_only, outcome="served", actor=clerk
            )
        assert finish.value.code == "ticket-not-yours"
        with pytest.raises(Conflict) as call:
            calling.ticket_call(
                ticket=ticket, counter=centre.anmeldung_only, reason="Eilfall", actor=clerk
            )
        assert call.value.code == "ticket-taken"


def test_no_show_only_after_enough_calls_and_it_counts_for_the_appointment(centre, morning, clerk):
    appointment = appointment_at(centre, at(9, 20))
    check_in(centre.location, appointment.reference)
    morning.move_to(at(9, 20))
    called = calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(*TICKET_ROWS, Appointment, AppointmentEvent), pytest.raises(Conflict) as early:
        calling.ticket_no_show(ticket=called, counter=centre.both, actor=clerk)
    assert early.value.code == "call-again-first"
    calling.ticket_recall(ticket=called, counter=centre.both, actor=clerk)
    calling.ticket_recall(ticket=called, counter=centre.both, actor=clerk)
    gone = calling.ticket_no_show(ticket=called, counter=centre.both, actor=clerk)
    assert gone.status == TicketStatus.NO_SHOW
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_transfer_to_a_skilled_counter_or_back_into_a_service_queue(centre, clerk):
    walk_in(centre, centre.passport)
    ticket = calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as unskilled:
        calling.ticket_transfer(
            ticket=ticket, counter=centre.both, to_counter=centre.anmeldung_only, actor=clerk
        )
    assert unskilled.value.code == "not-skilled"
    moved = calling.ticket_transfer(
        ticket=ticket, counter=centre.both, to_counter=centre.passport_only, actor=clerk
    )
    assert (moved.status, moved.counter) == (TicketStatus.CALLED, centre.passport_only)
    back = calling.ticket_transfer(
        ticket=moved, counter=centre.passport_only, to_service=centre.anmeldung, actor=clerk
    )
    assert back.status == TicketStatus.WAITING
    assert calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk) == back


def test_transfer_to_a_busy_counter_parks_the_ticket_there(centre, clerk):
    walk_in(centre, centre.passport)
    walk_in(centre, centre.passport)
    first = calling.ticket_call_next(counter=centre.both, actor=clerk)
    busy = calling.ticket_call_next(counter=centre.passport_only, actor=clerk)
    moved = calling.ticket_transfer(
        ticket=first, counter=centre.both, to_counter=centre.passport_only, actor=clerk
    )
    assert (moved.status, moved.counter) == (TicketStatus.PARKED, centre.passport_only)
    assert moved.events.get(kind="transferred").data == {"parked_at_busy_counter": True}
    calling.ticket_finish(ticket=busy, counter=centre.passport_only, outcome="served", actor=clerk)
    resumed = calling.ticket_resume(ticket=moved, counter=centre.passport_only, actor=clerk)
    assert resumed.status == TicketStatus.CALLED


def test_finishing_needs_a_reason_unless_served_and_completes_the_appointment(
    centre, morning, clerk
):
    appointment = appointment_at(centre, at(9, 20))
    check_in(centre.location, appointment.reference)
    morning.move_to(at(9, 20))
    ticket = calling.ticket_call_next(counter=centre.both, actor=clerk)
    with unchanged(*TICKET_ROWS, Appointment), pytest.raises(InvalidInput) as no_reason:
        calling.ticket_finish(ticket=ticket, counter=centre.both, outcome="partly", actor=clerk)
    assert no_reason.value.errors[0]["field"] == "note"
    calling.ticket_finish(
        ticket=ticket, counter=centre.both, outcome="partly", note="Unterlage fehlt", actor=clerk
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED


def test_end_of_day_closes_open_tickets_with_the_reason(centre, clerk):
    walk_in(centre)
    walk_in(centre)
    calling.ticket_call_next(counter=centre.both, actor=clerk)
    closed = days.day_close(
        location=centre.location, day=DAY, reason="Dienstschluss", actor=SYSTEM, now=at(16)
    )
    assert closed == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.CLOSED}
    assert TicketEvent.objects.filter(kind="closed", at=at(16), actor_kind="system").count() == 2
    # The one at the counter was there from 9:00 until the close; the other was never called.
    assert sorted(Ticket.objects.values_list("handled_seconds", flat=True)) == [0, 7 * 3600]


def test_waiting_estimate_uses_the_queue_and_recent_handling_times(centre, morning, clerk):
    # History: anmeldung took 20 minutes each time, not the catalogue's 10.
    for n in range(6):
        start = at(8) + dt.timedelta(minutes=10 * n)
        walk_in(centre, now=start)
        t = calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk, now=start)
        calling.ticket_finish(
            ticket=t,
            counter=centre.anmeldung_only,
            outcome="served",
            actor=clerk,
            now=start + dt.timedelta(minutes=20),
        )
        assert Ticket.objects.get(pk=t.pk).handled_seconds == 20 * 60
    morning.move_to(at(9, 10))
    assert selectors.recent_handling_minutes(centre.location, now=at(9, 10))[
        centre.anmeldung.pk
    ] == pytest.approx(20)
    for _ in range(3):
        walk_in(centre)
    counters.counter_sign_in(counter=centre.anmeldung_only, actor=clerk)
    fourth = walk_in(centre)
    # 3 visits of 20 minutes ahead, one staffed counter able to serve them.
    assert fourth.estimate_minutes == 60
    assert selectors.position_of(fourth) == 4


def test_estimate_accuracy_compares_the_estimate_with_the_real_wait(centre, morning, clerk):
    ticket = walk_in(centre)
    Ticket.objects.filter(pk=ticket.pk).update(estimate_minutes=10)
    morning.shift(dt.timedelta(minutes=16))
    calling.ticket_call_next(counter=centre.both, actor=clerk)
    assert selectors.estimate_accuracy(location=centre.location, day=DAY) == {
        "tickets": 1,
        "mae_minutes": 6.0,
    }


def test_a_closure_today_stops_walk_in_tickets(centre):
    Closure.objects.create(location=centre.location, start_date=DAY, end_date=DAY)
    with unchanged(*TICKET_ROWS), pytest.raises(Conflict) as closed:
        walk_in(centre)
    assert closed.value.code == "closed-now"


def test_close_day_command_closes_the_days_open_tickets(centre):
    from django.core.management import call_command

    walk_in(centre)
    call_command(
        "visits_close_day",
        "--location",
        "centre",
        "--date",
        DAY.isoformat(),
        "--reason",
        "Feierabend",
    )
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.outcome_note == "Feierabend"
    assert ticket.events.get(kind="closed").actor.name == "visits_close_day"


def test_people_who_left_an_email_are_told_once_shortly_before_their_call(
    centre, morning, django_capture_on_commit_callbacks, clerk
):
    from django.core import mail

    counters.counter_sign_in(counter=centre.anmeldung_only, actor=clerk)
    for _ in range(3):
        walk_in(centre)  # 3 × 10 minutes ahead, one staffed counter
    ticket = walk_in(centre)
    tickets.ticket_notice_request(ticket=ticket, email="wartende@example.org", actor=RESIDENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert days.call_notices_send(actor=SYSTEM) == 0
    assert mail.outbox == []  # 30 minutes away
    next_at(centre.anmeldung_only, clerk)
    next_at(centre.anmeldung_only, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        assert days.call_notices_send(actor=SYSTEM) == 1
        assert days.call_notices_send(actor=SYSTEM) == 0
    assert [m.to for m in mail.outbox] == [["wartende@example.org"]]
    assert ticket.number in mail.outbox[0].subject
    assert Message.objects.get().about == f"ticket:{ticket.pk}"


def test_priority_services_go_before_earlier_walk_ins(centre, morning, settings, clerk):
    settings.PRIORITY_SERVICES = ["passport"]
    first = walk_in(centre, centre.anmeldung)
    morning.shift(dt.timedelta(minutes=5))
    urgent = walk_in(centre, centre.passport)
    assert urgent.priority == 1
    assert next_at(centre.both, clerk) == urgent
    assert next_at(centre.both, clerk) == first


def test_the_location_page_shows_the_wait_for_walk_ins_now(centre, client, clerk):
    counters.counter_sign_in(counter=centre.anmeldung_only, actor=clerk)
    for _ in range(2):
        walk_in(centre)
    page = client.get("/en/locations/centre/").content.decode()
    section = page.split('id="wait-now"')[1].split("</section>")[0]
    assert "Anmeldung: about 20 minutes" in section  # 2 × 10 minutes, one staffed counter
    # Nobody who can issue passports is signed in: no "about 0 minutes".
    assert "Passport: no counter for it is staffed at the moment" in section
    assert "about 0 minutes" not in section
