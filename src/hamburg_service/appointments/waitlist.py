"""The waitlist (Warteliste): writes for joining, leaving, and offering freed times.

Freed or new capacity goes to the person waiting longest: the sweeper books a held appointment
for them (confirm by link within WAITLIST_HOLD_HOURS); unconfirmed, it lapses and the time goes
on. Seats of a cancelled appointment are kept back for CANCEL_RELEASE_MINUTES, so the waitlist
sees them before anyone else (and before booking robots).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments import availability, notifications, services
from hamburg_service.appointments.models import (
    Appointment,
    Status,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistStatus,
)
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location, Service
from hamburg_service.catalog.selectors import locations_offering
from hamburg_service.errors import AppError, Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)


def leave_token_from(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"waitlist:{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field, "message": message}])


def waitlist_join(
    *,
    services_: Sequence[Service],
    locations: Sequence[Location],
    date_from: dt.date,
    date_to: dt.date,
    person: services.PersonInput,
    today: dt.date | None = None,
) -> tuple[WaitlistEntry, str]:
    """Join the waitlist; returns the entry and the token of its leave link."""
    today = today or timezone.localdate()
    services.check_person(person)
    if not services_:
        raise _field_error("services", _("Choose at least one service."))
    for location in locations:
        services.check_services(location=location, services=services_)
    if not locations:
        offering = locations_offering(services_)
        if not offering:
            raise _field_error("services", _("No location offers all of these services."))
        services.check_services(location=offering[0], services=services_)
    first, last = availability.booking_window(services_, today)
    if date_to < date_from:
        raise _field_error("date_to", _("The end date lies before the start date."))
    if date_to < first or date_from > last:
        raise _field_error(
            "date_from",
            _("Choose days from %(first)s to %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
        )
    if (date_to - date_from).days + 1 > settings.WAITLIST_MAX_DAYS:
        raise _field_error(
            "date_to",
            _("Wait for at most %(days)d days at once.") % {"days": settings.WAITLIST_MAX_DAYS},
        )
    email_key = services.email_normalise(person.email)
    nonce = secrets.token_hex(16)
    with transaction.atomic():
        waiting = WaitlistEntry.objects.filter(
            email_normalised=email_key,
            status__in=(WaitlistStatus.WAITING, WaitlistStatus.OFFERED),
            services__in=services_,
        )
        if waiting.exists():
            raise Conflict(_("You are already on the waitlist for this service."))
        entry = WaitlistEntry.objects.create(
            name=person.name.strip(),
            email=person.email.strip(),
            email_normalised=email_key,
            language=person.language if person.language in ("de", "en") else "de",
            date_from=max(date_from, first),
            date_to=min(date_to, last),
            leave_nonce=nonce,
            leave_token_hash=services.token_hash(leave_token_from(nonce)),
        )
        entry.services.set(services_)
        entry.locations.set(locations)
        WaitlistEvent.objects.create(entry=entry, status=WaitlistStatus.WAITING)
        token = leave_token_from(nonce)
        notifications.waitlist_mail_on_commit(
            entry=entry, template="waitlist_joined", leave_token=token
        )
    return entry, token


def waitlist_entry_by_token(*, token: str) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(leave_token_hash=services.token_hash(token)).first()
    if entry is None or not token:
        raise NotFound(_("This link is not valid."))
    return entry


def waitlist_leave(*, entry: WaitlistEntry) -> WaitlistEntry:
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
            entry.status = WaitlistStatus.LEFT
            entry.save(update_fields=["status"])
            WaitlistEvent.objects.create(entry=entry, status=WaitlistStatus.LEFT)
    return entry


def _area(entry: WaitlistEntry, services_: list[Service]) -> list[Location]:
    chosen = list(entry.locations.all())
    return chosen or locations_offering(services_)


def _offer(entry: WaitlistEntry, now: dt.datetime) -> bool:
    """Try to book a held time for `entry`: held-back seats first, then any free time."""
    services_ = list(entry.services.all())
    area = _area(entry, services_)
    today = now.astimezone(hours.BERLIN).date()
    first, last = availability.booking_window(services_, today)
    start_day, end_day = max(entry.date_from, first), min(entry.date_to, last)
    if start_day > end_day:
        return False
    person = services.PersonInput(name=entry.name, email=entry.email, language=entry.language)
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
            locations=area, services=services_, start=start_day, end=end_day, limit=3, now=now
        )
    ]
    for location, start, reuse in tries:
        try:
            # The entry stays locked while its time is booked, so a person leaving at this
            # moment either leaves first (no offer) or after (the offer is recorded).
            with transaction.atomic():
                locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
                if locked.status != WaitlistStatus.WAITING:
                    return False
                booking = services.appointment_book(
                    location=location,
                    services=services_,
                    start=start,
                    person=person,
                    confirm_by_email=True,
                    now=now,
                    reuse=reuse,
                    hold_minutes=settings.WAITLIST_HOLD_HOURS * 60,
                    mail="waitlist_offer",
                )
                locked.status = WaitlistStatus.OFFERED
                locked.offer = booking.appointment
                locked.offered_at = now
                locked.save(update_fields=["status", "offer", "offered_at"])
                WaitlistEvent.objects.create(
                    entry=locked,
                    status=WaitlistStatus.OFFERED,
                    note=f"{booking.appointment.reference} {location.slug} "
                    f"{start.astimezone(hours.BERLIN):%Y-%m-%d %H:%M}",
                )
        except AppError:
            continue
        return True
    return False


def waitlist_settle(*, now: dt.datetime | None = None) -> None:
    """Offers confirmed become bookings; offers not confirmed in time lapse."""
    now = now or timezone.now()
    for entry in WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).select_related(
        "offer"
    ):
        offer = entry.offer
        if offer is None or offer.status in (Status.EXPIRED, Status.CANCELLED):
            new_status = WaitlistStatus.LAPSED
        elif offer.status == Status.CONFIRMED:
            new_status = WaitlistStatus.BOOKED
        else:
            continue
        with transaction.atomic():
            # Only if still offered: the person may have left meanwhile.
            if WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.OFFERED).update(
                status=new_status
            ):
                WaitlistEvent.objects.create(entry=entry, status=new_status)
    with transaction.atomic():
        over = list(
            WaitlistEntry.objects.select_for_update()
            .filter(status=WaitlistStatus.WAITING, date_to__lt=now.astimezone(hours.BERLIN).date())
            .values_list("pk", flat=True)
        )
        WaitlistEntry.objects.filter(pk__in=over).update(status=WaitlistStatus.LAPSED)
        WaitlistEvent.objects.bulk_create(
            WaitlistEvent(entry_id=pk, status=WaitlistStatus.LAPSED, note="period over")
            for pk in over
        )


def waitlist_offer_due(*, now: dt.datetime | None = None) -> int:
    """Offer times to waiting people, longest waiting first (bounded per sweep)."""
    now = now or timezone.now()
    waiting = WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).order_by(
        "created_at", "pk"
    )
    offered = 0
    for entry in waiting[: settings.WAITLIST_OFFERS_PER_SWEEP]:
        if _offer(entry, now):
            offered += 1
    return offered


def cancelled_seats_release_due(*, now: dt.datetime | None = None) -> int:
    """After the waitlist had its chance, give held-back seats to everyone."""
    now = now or timezone.now()
    released = 0
    due = Appointment.objects.filter(status=Status.CANCELLED, release_at__lte=now)
    for appointment in due.select_related("location"):
        with transaction.atomic():
            services.lock_day(
                appointment.location, appointment.start.astimezone(hours.BERLIN).date()
            )
            appointment.refresh_from_db()
            if appointment.release_at is not None and appointment.release_at <= now:
                services.release_seats(appointment)
                released += 1
    return released
