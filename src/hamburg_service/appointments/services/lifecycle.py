"""An appointment after booking: confirmed by link, cancelled, moved, kept after a reminder,
not attended, completed at the counter."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_tasks import task

from hamburg_service.appointments import availability, mails
from hamburg_service.appointments.models import ACTIVE, Appointment, Channel, EventKind, Status
from hamburg_service.appointments.services import rules, seats, tokens
from hamburg_service.appointments.services.booking import Slot, next_free_times_of
from hamburg_service.appointments.services.rules import SlotTaken
from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, NotFound
from hamburg_service.core.events import event_record
from hamburg_service.core.tokens import token_hash
from hamburg_service.people.models import Person


def _still_open(appointment: Appointment, now: dt.datetime) -> None:
    if appointment.status not in ACTIVE:
        raise Conflict(_("This appointment is no longer active."), code="appointment-inactive")
    if appointment.end <= now:
        raise Conflict(_("This appointment has already taken place."), code="appointment-past")


def appointment_confirm(*, token: str, actor: Actor, now: dt.datetime | None = None) -> Appointment:
    """Confirm a held booking from the link in the e-mail (idempotent). Refused, with nothing
    changed, while the address is at one of its limits (rules.person_limit_hit): the owner may
    cancel the other appointment and confirm this one while it is held."""
    now = now or timezone.now()
    hashed = token_hash(token)
    with transaction.atomic():
        # The address first, then the booking: the order booking takes its locks in.
        email_key = (
            Appointment.objects.filter(confirm_token_hash=hashed)
            .values_list("email_normalised", flat=True)
            .first()
        )
        if email_key is not None:
            seats.lock_booker(email_key)
        appointment = (
            Appointment.objects.select_for_update().filter(confirm_token_hash=hashed).first()
        )
        if appointment is None or not token:
            raise NotFound(_("This confirmation link is not valid."), code="link-invalid")
        if appointment.status == Status.CONFIRMED:
            return appointment
        if appointment.status != Status.HELD or (
            appointment.hold_expires_at is not None and appointment.hold_expires_at <= now
        ):
            raise Conflict(
                _(
                    "This booking was not confirmed in time and has been released. Please book "
                    "again."
                ),
                code="hold-expired",
                title=_("The confirmation link has expired."),
            )
        # The owner of the address confirms: now the limits of the address may be told.
        rules.check_person_limits(
            email_key=appointment.email_normalised,
            services=list(appointment.services.all()),
            now=now,
            channel=appointment.channel,
            besides=appointment.pk,
        )
        appointment.status = Status.CONFIRMED
        appointment.hold_expires_at = None
        appointment.confirmed_at = now
        appointment.save(update_fields=["status", "hold_expires_at", "confirmed_at"])
        event_record(appointment, kind=EventKind.CONFIRMED, actor=actor, at=now)
        mails.appointment_mail(appointment, "confirmed", now=now)
    return appointment


def appointment_cancel(
    *, appointment: Appointment, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> Appointment:
    """Cancel and free the seats (Termin absagen); with CANCEL_RELEASE_MINUTES they are offered
    to the waitlist first."""
    now = now or timezone.now()
    with write_transaction():
        seats.lock_day(appointment.location, seats.day_of(appointment))
        appointment.refresh_from_db()
        _still_open(appointment, now)
        delay = settings.CANCEL_RELEASE_MINUTES
        seats.appointment_end(
            appointment,
            status=Status.CANCELLED,
            kind=EventKind.CANCELLED,
            actor=actor,
            at=now,
            note=reason[:300],
            hold_back_until=now + dt.timedelta(minutes=delay) if delay else None,
        )
        if appointment.confirmed_at is not None:
            # A hold nobody confirmed may have been made by anyone with the address: its owner
            # is not mailed about what they never asked for.
            mails.appointment_mail(appointment, "cancelled", now=now)
    return appointment


def appointment_move(
    *,
    appointment: Appointment,
    start: dt.datetime,
    actor: Actor,
    location: Location | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Move to another time, at the same or any other location that offers the services (Termin
    verschieben). The reference, the person and the links stay; the old seats are released in
    the same transaction that claims the new ones."""
    now = now or timezone.now()
    services = list(appointment.services.order_by("appointmentservice__position"))
    old_location = appointment.location
    location = location or old_location
    if location.pk != old_location.pk:
        rules.check_services(location=location, services=services)
    channel = Channel.STAFF if actor.is_staff else appointment.channel
    new_day, unit = rules.check_time(start=start, services=services, channel=channel, now=now)
    old_day = seats.day_of(appointment)
    same_day = location.pk == old_location.pk and new_day == old_day
    try:
        try:
            with write_transaction():
                # One order everywhere (location, then day): two moves never deadlock.
                days = {(old_location.pk, old_day): old_location, (location.pk, new_day): location}
                for (_pk, day), place in sorted(days.items(), key=lambda item: item[0]):
                    seats.lock_day(place, day)
                appointment.refresh_from_db()
                _still_open(appointment, now)
                counter, k, _taken = seats.seats_find(
                    location=location,
                    day=new_day,
                    unit=unit,
                    services=services,
                    channel=channel,
                    exclude=appointment if same_day else None,
                )
                seats.release_seats(appointment)
                old_start = appointment.start
                appointment.location = location
                appointment.counter_id = counter
                appointment.start = availability.unit_start(new_day, unit)
                appointment.end = availability.unit_start(new_day, unit + k)
                appointment.units = k
                # A new time may fall into a closure again: then its notice comes anew.
                appointment.closure_notified_at = None
                fields = ["location", "counter", "start", "end", "units", "closure_notified_at"]
                held_until = appointment.hold_expires_at
                if held_until is not None:  # a hold never outlasts the visit
                    appointment.hold_expires_at = min(held_until, appointment.start)
                    fields.append("hold_expires_at")
                appointment.save(update_fields=fields)
                seats.seats_claim(
                    appointment=appointment, counter_id=counter, day=new_day, unit=unit, k=k
                )
                data: dict[str, object] = {"from": old_start, "to": appointment.start}
                if location.pk != old_location.pk:
                    data["from_location"] = old_location.slug
                    data["to_location"] = location.slug
                if reason:
                    data["reason"] = reason[:300]
                event_record(appointment, kind=EventKind.MOVED, actor=actor, at=now, data=data)
                if appointment.confirmed_at is not None:  # a hold's owner never asked for it
                    mails.appointment_mail(appointment, "moved", now=now)
        except IntegrityError as error:  # the seat's unique constraint: someone was faster
            raise SlotTaken() from error
    except SlotTaken as conflict:
        conflict.extra["next_free_times"] = next_free_times_of(Slot.of(location, services, start))
        raise
    return appointment


def appointment_keep(
    *, appointment: Appointment, actor: Actor, now: dt.datetime | None = None
) -> None:
    """The person answered a reminder with "I still need it" (recorded once)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.is_active and not locked.events.filter(kind=EventKind.KEPT).exists():
            event_record(locked, kind=EventKind.KEPT, actor=actor, at=now)


def appointment_person_link(
    *, appointment: Appointment, person: Person, actor: Actor, now: dt.datetime | None = None
) -> Appointment:
    """The clerk identified the appointment's person in the register (at the counter)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.person_id == person.pk:
            return appointment
        appointment.person = person
        appointment.save(update_fields=["person"])
        event_record(
            appointment,
            kind=EventKind.PERSON_LINKED,
            actor=actor,
            at=now,
            data={"person": person.pk},
        )
    return appointment


def appointment_no_show(
    *, appointment: Appointment, actor: Actor, now: dt.datetime | None = None
) -> Appointment:
    """Staff record that the person did not come; no-shows count against online booking."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != Status.CONFIRMED:
            raise Conflict(
                _("Only a confirmed appointment can be marked as not attended."),
                code="not-confirmed",
            )
        if appointment.start > now:
            raise Conflict(_("The appointment has not started yet."), code="not-started")
        appointment.status = Status.NO_SHOW
        appointment.save(update_fields=["status"])
        event_record(appointment, kind=EventKind.NO_SHOW, actor=actor, at=now)
    return appointment


def appointment_complete(
    *, appointment: Appointment, actor: Actor, now: dt.datetime | None = None
) -> Appointment:
    """The visit for this appointment has been served at the counter."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Appointment.objects.filter(pk=appointment.pk, status=Status.CONFIRMED).update(
            status=Status.COMPLETED
        )
        if done:
            event_record(appointment, kind=EventKind.COMPLETED, actor=actor, at=now)
    appointment.refresh_from_db(fields=["status"])
    return appointment


def _address_mac(email_key: str) -> str:
    """A keyed digest of a normalised address: what the link lookup compares, so the queue
    never holds the address itself."""
    return salted_hmac("appointments.link-request", email_key).hexdigest()


def appointment_link_request(*, reference: str, email: str) -> None:
    """Ask for an appointment's link again. The lookup runs in the background after commit,
    so the answer costs the same whether or not `reference` and `email` belong together (no
    timing tells it); `appointment_link_send` does the rest."""
    email_key = tokens.email_normalise(email)
    if not email_key:  # never the appointments booked without an address
        return
    ref, mac = tokens.reference_normalise(reference), _address_mac(email_key)
    transaction.on_commit(lambda: appointment_link_lookup.enqueue(reference=ref, address=mac))


def appointment_link_send(*, reference: str, address: str, now: dt.datetime | None = None) -> bool:
    """Send the manage link again to the address on file if the appointment `reference` is
    still ahead and was booked with the address whose digest is `address`; True if sent.
    Whoever asks, the link only ever goes to the address the appointment was booked with."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.filter(reference=reference, status__in=ACTIVE, end__gt=now)
        .exclude(manage_nonce="")
        .exclude(email_normalised="")
        .exclude(hold_expires_at__lte=now)  # a hold past its time is not coming back
        .first()
    )
    if appointment is None or not constant_time_compare(
        _address_mac(appointment.email_normalised), address
    ):
        return False
    with transaction.atomic():
        mails.appointment_mail(appointment, "link", now=now)
    return True


@task()
def appointment_link_lookup(*, reference: str, address: str) -> None:
    """A link request, looked up away from the request that asked. Defined here, beside what
    it calls and what enqueues it."""
    appointment_link_send(reference=reference, address=address)
