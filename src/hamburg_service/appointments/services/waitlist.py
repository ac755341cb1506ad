"""The waitlist (Warteliste): joining, confirming, leaving, and offering freed times.

Joining answers the same whether or not the address is on the waitlist already (the owner is
told by e-mail); an entry waits only once its address's owner confirmed it with the link in the
e-mail, else it lapses after WAITLIST_CONFIRM_HOURS. Freed or new capacity goes to the person
waiting longest: the scheduler books a held appointment for them (confirm by link within
WAITLIST_HOLD_HOURS); unconfirmed, it lapses and the time goes on. Seats of a cancelled
appointment are kept back for CANCEL_RELEASE_MINUTES, so the waitlist sees them before anyone
else (and before booking robots).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments import availability, mails
from hamburg_service.appointments.models import (
    Appointment,
    Status,
    WaitlistEntry,
    WaitlistEventKind,
    WaitlistStatus,
)
from hamburg_service.appointments.services import rules, seats, tokens
from hamburg_service.appointments.services.booking import Offer, Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location, Service
from hamburg_service.catalog.selectors import locations_offering
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, InvalidInput
from hamburg_service.core.events import event_record, events_record
from hamburg_service.core.scheduler import per_item
from hamburg_service.core.tokens import token_hash

OPEN = (WaitlistStatus.PENDING, WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


def waitlist_join(
    *,
    services: Sequence[Service],
    locations: Sequence[Location],
    date_from: dt.date,
    date_to: dt.date,
    person: PersonInput,
    actor: Actor,
    now: dt.datetime | None = None,
) -> WaitlistEntry | None:
    """Ask to join the waitlist: a pending entry and an e-mail with the link to confirm (or
    leave) it. When the address waits for these services already, no entry: its owner gets an
    e-mail instead, and the caller answers exactly as for a new entry."""
    now = now or timezone.now()
    today = now.astimezone(hours.BERLIN).date()
    rules.check_person(person)
    if not services:
        raise InvalidInput.field("services", _("Choose at least one service."))
    for location in locations:
        rules.check_services(location=location, services=services)
    if not locations:
        offering = locations_offering(services)
        if not offering:
            raise InvalidInput.field(
                "services", _("No location offers all of these services."), code="not-offered"
            )
        rules.check_services(location=offering[0], services=services)
    first, last = availability.booking_window(services, today)
    if date_to < date_from:
        raise InvalidInput.field("date_to", _("The end date lies before the start date."))
    if date_to < first or date_from > last:
        raise InvalidInput.field(
            "date_from",
            _("Choose days from %(first)s to %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
        )
    if (date_to - date_from).days + 1 > settings.WAITLIST_MAX_DAYS:
        raise InvalidInput.field(
            "date_to",
            _("Wait for at most %(days)d days at once.") % {"days": settings.WAITLIST_MAX_DAYS},
        )
    email_key = tokens.email_normalise(person.email)
    nonce = secrets.token_hex(16)
    with transaction.atomic():
        seats.lock_booker(email_key)  # one join per address at a time
        waiting = (
            WaitlistEntry.objects.filter(
                email_normalised=email_key, status__in=OPEN, services__in=services
            )
            .order_by("created_at")
            .first()
        )
        if waiting is not None:
            mails.waitlist_mail(
                waiting,
                "waitlist_already",
                now=now,
                leave_url=mails.site_url(
                    "appointments:waitlist-leave",
                    tokens.leave_token_from(waiting.leave_nonce),
                    waiting.language,
                ),
            )
            return None
        entry = WaitlistEntry.objects.create(
            created_at=now,
            name=person.name.strip(),
            email=person.email.strip(),
            email_normalised=email_key,
            language=person.language if person.language in ("de", "en") else "de",
            date_from=max(date_from, first),
            date_to=min(date_to, last),
            leave_nonce=nonce,
            leave_token_hash=token_hash(tokens.leave_token_from(nonce)),
            status=WaitlistStatus.PENDING,
        )
        entry.services.set(services)
        entry.locations.set(locations)
        event_record(entry, kind=WaitlistEventKind.JOINED, actor=actor, at=now)
        token = tokens.leave_token_from(nonce)
        mails.waitlist_mail(
            entry,
            "waitlist_joined",
            now=now,
            leave_url=mails.site_url("appointments:waitlist-leave", token, entry.language),
            hours=settings.WAITLIST_CONFIRM_HOURS,
        )
    return entry


def waitlist_confirm(
    *, entry: WaitlistEntry, actor: Actor, now: dt.datetime | None = None
) -> WaitlistEntry:
    """The owner of the address confirms the entry from the e-mail's link (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == WaitlistStatus.PENDING:
            entry.status = WaitlistStatus.WAITING
            entry.confirmed_at = now
            entry.save(update_fields=["status", "confirmed_at"])
            event_record(entry, kind=WaitlistEventKind.CONFIRMED, actor=actor, at=now)
    return entry


def waitlist_leave(
    *, entry: WaitlistEntry, actor: Actor, now: dt.datetime | None = None
) -> WaitlistEntry:
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status in OPEN:
            entry.status = WaitlistStatus.LEFT
            entry.save(update_fields=["status"])
            event_record(entry, kind=WaitlistEventKind.LEFT, actor=actor, at=now)
    return entry


def _area(entry: WaitlistEntry, services: list[Service]) -> list[Location]:
    chosen = list(entry.locations.all())
    return chosen or locations_offering(services)


def _offer(entry: WaitlistEntry, now: dt.datetime, actor: Actor) -> bool:
    """Try to book a held time for `entry`: held-back seats first, then any free time."""
    services = list(entry.services.all())
    area = _area(entry, services)
    today = now.astimezone(hours.BERLIN).date()
    first, last = availability.booking_window(services, today)
    start_day, end_day = max(entry.date_from, first), min(entry.date_to, last)
    if start_day > end_day:
        return False
    person = PersonInput(name=entry.name, email=entry.email, language=entry.language)
    held_back = (
        Appointment.objects.filter(
            status=Status.CANCELLED,
            release_at__gt=now,
            location__in=area,
            start__gte=hours.local_datetime(start_day, 0),
            start__lt=hours.local_datetime(end_day + dt.timedelta(days=1), 0),
        )
        .select_related("location")
        .order_by("start")
    )
    tries: list[tuple[Location, dt.datetime, Appointment | None]] = [
        (a.location, a.start, a) for a in held_back[:5]
    ]
    by_pk = {loc.pk: loc for loc in area}
    tries += [
        (by_pk[f.location_id], f.start, None)
        for f in availability.free_times(
            locations=area, services=services, start=start_day, end=end_day, limit=3, now=now
        )
    ]
    hold = settings.WAITLIST_HOLD_HOURS * 60
    for location, start, reuse in tries:
        try:
            # The entry stays locked while its time is booked, so a person leaving at this
            # moment either leaves first (no offer) or after (the offer is recorded).
            with transaction.atomic():
                locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
                if locked.status != WaitlistStatus.WAITING:
                    return False
                booking = appointment_book(
                    slot=Slot.of(location, services, start),
                    person=person,
                    actor=actor,
                    offer=Offer(hold_minutes=hold, reuse=reuse),
                    now=now,
                )
                locked.status = WaitlistStatus.OFFERED
                locked.offer = booking.appointment
                locked.offered_at = now
                locked.save(update_fields=["status", "offer", "offered_at"])
                event_record(
                    locked,
                    kind=WaitlistEventKind.OFFERED,
                    actor=actor,
                    at=now,
                    data={
                        "reference": booking.appointment.reference,
                        "location": location.slug,
                        "start": start,
                    },
                )
        except AppError:
            continue
        return True
    return False


def waitlist_settle(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Offers confirmed become bookings; offers not confirmed in time lapse, as do entries
    whose period is over. Returns how many entries changed."""
    now = now or timezone.now()
    offered = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).select_related("offer")

    def settle(entry: WaitlistEntry) -> bool:
        offer = entry.offer
        if offer is None or offer.status in (Status.EXPIRED, Status.CANCELLED):
            status, kind = WaitlistStatus.LAPSED, WaitlistEventKind.LAPSED
        elif offer.status == Status.CONFIRMED:
            status, kind = WaitlistStatus.BOOKED, WaitlistEventKind.BOOKED
        else:
            return False
        with transaction.atomic():
            # Only if still offered: the person may have left meanwhile.
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.OFFERED).update(
                status=status
            ):
                return False
            event_record(entry, kind=kind, actor=actor, at=now)
        return True

    changed = per_item(list(offered), settle, what="Settling a waitlist offer")
    today = now.astimezone(hours.BERLIN).date()
    unconfirmed_since = now - dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)
    for reason, ended in (
        (
            "period over",
            Q(status__in=(WaitlistStatus.PENDING, WaitlistStatus.WAITING), date_to__lt=today),
        ),
        (
            "not confirmed",
            Q(status=WaitlistStatus.PENDING, created_at__lte=unconfirmed_since),
        ),
    ):
        with transaction.atomic():
            over = list(WaitlistEntry.objects.select_for_update().filter(ended))
            WaitlistEntry.objects.filter(pk__in=[e.pk for e in over]).update(
                status=WaitlistStatus.LAPSED
            )
            events_record(
                over, kind=WaitlistEventKind.LAPSED, actor=actor, at=now, data={"reason": reason}
            )
        changed += len(over)
    return changed


def waitlist_offer_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Offer times to waiting people, longest waiting first, up to WAITLIST_OFFERS_PER_SWEEP
    offers a run. An entry for which nothing is free is skipped, not counted: and once one
    demand (services, area, period) found nothing, every other entry with the same demand is
    skipped without searching again, so that a flood of entries nobody can serve never keeps
    the people behind them from their offer."""
    now = now or timezone.now()
    waiting = (
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING)
        .order_by("created_at", "pk")
        .prefetch_related("services", "locations")
    )
    nothing_free: set[tuple[object, ...]] = set()
    offered = 0
    for entry in waiting.iterator(chunk_size=500):
        if offered >= settings.WAITLIST_OFFERS_PER_SWEEP:
            break
        demand = (
            tuple(sorted(s.pk for s in entry.services.all())),
            tuple(sorted(loc.pk for loc in entry.locations.all())),
            entry.date_from,
            entry.date_to,
        )
        if demand in nothing_free:
            continue
        made = per_item([entry], lambda e: _offer(e, now, actor), what="A waitlist offer")
        if made:
            offered += 1
        else:
            nothing_free.add(demand)
    return offered


def cancelled_seats_release_due(*, now: dt.datetime | None = None) -> int:
    """After the waitlist had its chance, give held-back seats to everyone."""
    now = now or timezone.now()
    due = Appointment.objects.filter(status=Status.CANCELLED, release_at__lte=now)

    def release(appointment: Appointment) -> bool:
        with transaction.atomic():
            seats.lock_day(appointment.location, seats.day_of(appointment))
            appointment.refresh_from_db()
            if appointment.release_at is None or appointment.release_at > now:
                return False
            seats.release_seats(appointment)
            return True

    return per_item(list(due.select_related("location")), release, what="Releasing held seats")
