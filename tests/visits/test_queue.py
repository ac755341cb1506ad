"""Tickets, queue rules and every step at the counter, through the service layer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hamburg_service.appointments import services as booking
from hamburg_service.appointments.models import Status as AppointmentStatus
from hamburg_service.catalog.models import Closure
from hamburg_service.core.errors import Conflict, InvalidInput, NotFound
from hamburg_service.visits import selectors, services
from hamburg_service.visits.models import Ticket, TicketEvent, TicketStatus

from .conftest import DAY, at


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(at(9), tick=False) as traveller:
        yield traveller


def next_at(counter):
    """Call the next ticket at `counter`, finishing whatever it had before."""
    current = Ticket.objects.filter(counter=counter, status=TicketStatus.CALLED).first()
    if current is not None:
        services.ticket_finish(ticket=current, counter=counter, outcome="served")
    return services.ticket_call_next(counter=counter)


def walk_in(centre, *svc, **kw):
    return services.ticket_issue(
        location=centre.location, services=svc or [centre.anmeldung], **kw
    )[0]


def appointment_at(centre, start, n=1):
    return booking.appointment_book(
        location=centre.location,
        services=[centre.anmeldung],
        start=start,
        channel="staff",
        person=booking.PersonInput(name=f"P{n}", email=f"p{n}@example.org"),
    ).appointment


def test_walk_in_tickets_are_numbered_per_day_and_agency(centre):
    first, second = walk_in(centre), walk_in(centre)
    assert (first.number, second.number) == ("A001", "A002")
    assert first.due_at == at(9)
    assert list(TicketEvent.objects.filter(ticket=first).values_list("kind", flat=True)) == [
        "issued"
    ]


def test_walk_in_refusals_say_why(centre, settings):
    with pytest.raises(Conflict) as only_booked:
        walk_in(centre, centre.booked_only)
    assert "appointment" in only_booked.value.detail.lower() or "Termin" in only_booked.value.detail
    settings.WALK_IN_DAILY_QUOTA = 1
    walk_in(centre)
    with pytest.raises(Conflict):
        walk_in(centre)
    with time_machine.travel(at(17), tick=False), pytest.raises(Conflict):
        walk_in(centre)
    assert Ticket.objects.count() == 1


def test_walk_ins_are_called_in_order_of_arrival_by_skilled_counters(centre, morning):
    a = walk_in(centre, centre.anmeldung)
    morning.shift(dt.timedelta(minutes=1))
    p = walk_in(centre, centre.passport)
    morning.shift(dt.timedelta(minutes=1))
    assert next_at(centre.passport_only) == p
    assert next_at(centre.passport_only) is None
    assert next_at(centre.both) == a


def test_a_counter_serves_only_tickets_whose_services_it_has_all(centre):
    walk_in(centre, centre.anmeldung, centre.passport)
    assert services.ticket_call_next(counter=centre.anmeldung_only) is None
    assert services.ticket_call_next(counter=centre.both) is not None


def test_due_appointments_come_before_walk_ins_and_priority_before_arrival(centre, morning):
    morning.move_to(at(8, 30))
    early_walk_in = walk_in(centre)
    needs_help = walk_in(centre, needs_priority=True)
    appointment = appointment_at(centre, at(9, 30))
    checked_in = services.appointment_check_in(
        location=centre.location, reference=appointment.reference
    )[0]
    assert checked_in.number == "T001"
    # Before its time (minus grace) the appointment waits; priority goes first.
    assert next_at(centre.both) == needs_help
    morning.move_to(at(9, 25))
    assert next_at(centre.both) == checked_in
    assert next_at(centre.both) == early_walk_in


def test_check_in_explains_other_places_days_and_times(centre, morning):
    appointment = appointment_at(centre, at(11))
    with pytest.raises(Conflict) as elsewhere:
        services.appointment_check_in(location=centre.other, reference=appointment.reference)
    assert "Centre" in elsewhere.value.detail
    assert "11:00" in elsewhere.value.detail
    tomorrow = appointment_at(centre, at(11, day=DAY + dt.timedelta(days=1)), n=2)
    with pytest.raises(Conflict) as other_day:
        services.appointment_check_in(location=centre.location, reference=tomorrow.reference)
    assert "15.01.2030" in other_day.value.detail
    with pytest.raises(Conflict):  # 9:00 is more than 60 minutes before 11:00
        services.appointment_check_in(location=centre.location, reference=appointment.reference)
    with pytest.raises(NotFound):
        services.appointment_check_in(location=centre.location, reference="ZZZZZZZZ")
    morning.move_to(at(10, 30))
    scanned = f"https://example/?ref={appointment.reference.lower()}"
    ticket, _token = services.appointment_check_in(location=centre.location, reference=scanned)
    assert ticket.appointment == appointment
    with pytest.raises(Conflict):
        services.appointment_check_in(location=centre.location, reference=appointment.reference)


def test_late_arrivals_queue_as_walk_ins(centre, morning):
    appointment = appointment_at(centre, at(9, 30))
    morning.move_to(at(9, 50))
    ticket, _ = services.appointment_check_in(
        location=centre.location, reference=appointment.reference
    )
    assert ticket.due_at == at(9, 50)
    assert "late" in ticket.events.get(kind="checked_in").note


def test_every_step_at_the_counter_is_an_event_with_time_counter_and_actor(
    centre, morning, make_staff
):
    clerk = make_staff()
    ticket = walk_in(centre)
    morning.shift(dt.timedelta(minutes=4))
    called = services.ticket_call_next(counter=centre.both, by=clerk)
    assert called == ticket
    services.ticket_recall(ticket=called, counter=centre.both, by=clerk)
    services.ticket_park(ticket=called, counter=centre.both, note="holt Pass", by=clerk)
    services.ticket_resume(ticket=called, counter=centre.both, by=clerk)
    services.ticket_add_service(
        ticket=called, counter=centre.both, service=centre.passport, by=clerk
    )
    morning.shift(dt.timedelta(minutes=12))
    done = services.ticket_finish(ticket=called, counter=centre.both, outcome="served", by=clerk)
    events = list(done.events.values_list("kind", "counter_id", "actor_id"))
    assert [e[0] for e in events] == [
        "issued",
        "called",
        "recalled",
        "parked",
        "resumed",
        "added",
        "finished",
    ]
    assert all(e[1] == centre.both.pk and e[2] == clerk.pk for e in events[1:])
    assert done.called_at - done.arrived_at == dt.timedelta(minutes=4)  # waiting time
    assert done.finished_at - done.called_at == dt.timedelta(minutes=12)  # handling time
    assert list(done.services.values_list("slug", flat=True)) == ["anmeldung", "passport"]


def test_a_busy_counter_must_finish_before_calling_again(centre):
    walk_in(centre)
    walk_in(centre)
    services.ticket_call_next(counter=centre.both)
    with pytest.raises(Conflict):
        services.ticket_call_next(counter=centre.both)


def test_a_clerk_cannot_act_on_a_ticket_another_counter_has(centre):
    walk_in(centre)
    ticket = services.ticket_call_next(counter=centre.both)
    with pytest.raises(Conflict):
        services.ticket_finish(ticket=ticket, counter=centre.anmeldung_only, outcome="served")
    with pytest.raises(Conflict):
        services.ticket_call(ticket=ticket, counter=centre.anmeldung_only, reason="Eilfall")


def test_no_show_only_after_enough_calls_and_it_counts_for_the_appointment(centre, morning):
    appointment = appointment_at(centre, at(9, 20))
    services.appointment_check_in(location=centre.location, reference=appointment.reference)
    morning.move_to(at(9, 20))
    called = services.ticket_call_next(counter=centre.both)
    with pytest.raises(Conflict):
        services.ticket_no_show(ticket=called, counter=centre.both)
    services.ticket_recall(ticket=called, counter=centre.both)
    services.ticket_recall(ticket=called, counter=centre.both)
    gone = services.ticket_no_show(ticket=called, counter=centre.both)
    assert gone.status == TicketStatus.NO_SHOW
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_transfer_to_a_skilled_counter_or_back_into_a_service_queue(centre):
    walk_in(centre, centre.passport)
    ticket = services.ticket_call_next(counter=centre.both)
    with pytest.raises(Conflict):
        services.ticket_transfer(
            ticket=ticket, counter=centre.both, to_counter=centre.anmeldung_only
        )
    moved = services.ticket_transfer(
        ticket=ticket, counter=centre.both, to_counter=centre.passport_only
    )
    assert (moved.status, moved.counter) == (TicketStatus.CALLED, centre.passport_only)
    back = services.ticket_transfer(
        ticket=moved, counter=centre.passport_only, to_service=centre.anmeldung
    )
    assert back.status == TicketStatus.WAITING
    assert services.ticket_call_next(counter=centre.anmeldung_only) == back


def test_finishing_needs_a_reason_unless_served_and_completes_the_appointment(centre, morning):
    appointment = appointment_at(centre, at(9, 20))
    services.appointment_check_in(location=centre.location, reference=appointment.reference)
    morning.move_to(at(9, 20))
    ticket = services.ticket_call_next(counter=centre.both)
    with pytest.raises(InvalidInput):
        services.ticket_finish(ticket=ticket, counter=centre.both, outcome="partly")
    services.ticket_finish(
        ticket=ticket, counter=centre.both, outcome="partly", note="Unterlage fehlt"
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED


def test_end_of_day_closes_open_tickets_with_the_reason(centre):
    walk_in(centre)
    walk_in(centre)
    services.ticket_call_next(counter=centre.both)
    assert services.day_close(location=centre.location, day=DAY, reason="Dienstschluss") == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {TicketStatus.CLOSED}
    assert TicketEvent.objects.filter(kind="closed").count() == 2


def test_waiting_estimate_uses_the_queue_and_recent_handling_times(centre, morning, make_staff):
    # History: anmeldung took 20 minutes each time, not the catalogue's 10.
    for minute in range(0, 60, 10):
        morning.move_to(at(8, minute))
        walk_in(centre)
        t = services.ticket_call_next(counter=centre.anmeldung_only)
        morning.move_to(at(8, minute + 1))
        Ticket.objects.filter(pk=t.pk).update(
            status=TicketStatus.DONE, finished_at=t.called_at + dt.timedelta(minutes=20)
        )
    morning.move_to(at(9))
    assert selectors.recent_handling_minutes(centre.location, now=at(9))[centre.anmeldung.pk] == 20
    for _ in range(3):
        walk_in(centre)
    clerk = make_staff()
    services.counter_sign_in(counter=centre.anmeldung_only, user=clerk)
    fourth = walk_in(centre)
    # 3 visits of 20 minutes ahead, one staffed counter able to serve them.
    assert fourth.estimate_minutes == 60
    assert selectors.position_of(fourth) == 4


def test_estimate_accuracy_compares_the_estimate_with_the_real_wait(centre, morning):
    ticket = walk_in(centre)
    Ticket.objects.filter(pk=ticket.pk).update(estimate_minutes=10)
    morning.shift(dt.timedelta(minutes=16))
    services.ticket_call_next(counter=centre.both)
    assert selectors.estimate_accuracy(location=centre.location, day=DAY) == {
        "tickets": 1,
        "mae_minutes": 6.0,
    }


def test_a_closure_today_stops_walk_in_tickets(centre):
    Closure.objects.create(location=centre.location, start_date=DAY, end_date=DAY)
    with pytest.raises(Conflict):
        walk_in(centre)


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


def test_people_who_left_an_email_are_told_once_shortly_before_their_call(
    centre, morning, django_capture_on_commit_callbacks, make_staff
):
    from django.core import mail
    from django.core.management import call_command

    services.counter_sign_in(counter=centre.anmeldung_only, user=make_staff())
    for _ in range(3):
        walk_in(centre)  # 3 × 10 minutes ahead, one staffed counter
    ticket = walk_in(centre)
    Ticket.objects.filter(pk=ticket.pk).update(email="wartende@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("visits_sweep")
    assert mail.outbox == []  # 30 minutes away
    next_at(centre.anmeldung_only)
    next_at(centre.anmeldung_only)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("visits_sweep")
        call_command("visits_sweep")
    assert [m.to for m in mail.outbox] == [["wartende@example.org"]]
    assert ticket.number in mail.outbox[0].subject


def test_priority_services_go_before_earlier_walk_ins(centre, morning, settings):
    settings.PRIORITY_SERVICES = ["passport"]
    first = walk_in(centre, centre.anmeldung)
    morning.shift(dt.timedelta(minutes=5))
    urgent = walk_in(centre, centre.passport)
    assert urgent.priority == 1
    assert next_at(centre.both) == urgent
    assert next_at(centre.both) == first


def test_the_location_page_shows_the_wait_for_walk_ins_now(centre, client, make_staff):
    services.counter_sign_in(counter=centre.anmeldung_only, user=make_staff())
    for _ in range(2):
        walk_in(centre)
    page = client.get("/en/locations/centre/").content.decode()
    section = page.split('id="wait-now"')[1].split("</section>")[0]
    assert "Anmeldung: about 20 minutes" in section  # 2 × 10 minutes, one staffed counter
    assert "Passport" in section
