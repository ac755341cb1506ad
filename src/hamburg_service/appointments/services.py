"""Every write to the appointment book: book, confirm, cancel, move, release expired holds.

Concurrency: a booking locks the person (Booker row) and the location-day (DayLedger row) —
on SQLite the immediate transaction already serialises writers — then checks the seats and
writes them. The unique (counter, start) constraint on SeatClaim is the last line of defence:
two appointments on one seat of one slot cannot both be written.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments import availability, notifications
from hamburg_service.appointments.models import (
    ACTIVE,
    Appointment,
    AppointmentEvent,
    AppointmentService,
    Channel,
    CounterDay,
    DayLedger,
    EventKind,
    SeatClaim,
    Status,
)
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Location, Service
from hamburg_service.catalog.selectors import combinable_pairs, services_offered_at
from hamburg_service.db import rows_insert, write_transaction
from hamburg_service.errors import Conflict, InvalidInput, NotFound, TooMany


class SlotTaken(Conflict):
    """The asked time has no free seat (any more); the answer lists the next free times."""

    def __init__(self, detail: str = "", **kwargs: object) -> None:
        super().__init__(
            detail or _("This time has just been taken. Please choose another one."),
            **kwargs,  # type: ignore[arg-type]
        )


REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
MAX_SERVICES = 5


@dataclass(frozen=True, slots=True)
class PersonInput:
    name: str
    email: str
    phone: str = ""
    language: str = "de"


@dataclass(frozen=True, slots=True)
class Booking:
    appointment: Appointment
    manage_token: str
    confirm_token: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def manage_token_from(nonce: str) -> str:
    """The manage link's token: unguessable without SECRET_KEY, reproducible with it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"manage:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def manage_token_of(appointment: Appointment) -> str:
    if not appointment.manage_nonce:
        raise NotFound(_("This appointment has no link to manage it."))
    return manage_token_from(appointment.manage_nonce)


def email_normalise(email: str) -> str:
    """One person, one address: case and a '+tag' in the local part do not make a new one."""
    local, _, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field, "message": message}])


def check_services(*, location: Location, services: Sequence[Service]) -> None:
    """The services can be booked together at `location`."""
    if not services:
        raise _field_error("services", _("Choose at least one service."))
    if len(services) > MAX_SERVICES:
        raise _field_error(
            "services", _("At most %(n)d services fit in one visit.") % {"n": MAX_SERVICES}
        )
    if len({s.pk for s in services}) != len(services):
        raise _field_error("services", _("A service is listed twice."))
    for service in services:
        if not service.is_active or service.access == Access.WALK_IN or not service.on_site:
            raise _field_error(
                "services",
                _("%(name)s cannot be booked as an appointment.") % {"name": service.name},
            )
    offered = services_offered_at(location_id=location.pk)
    missing = [s.name for s in services if s.pk not in offered]
    if missing:
        raise _field_error(
            "services",
            _("%(location)s does not offer: %(names)s.")
            % {"location": location.name, "names": ", ".join(missing)},
        )
    if len(services) > 1:
        ids = [s.pk for s in services]
        pairs = combinable_pairs(ids)
        for i, a in enumerate(services):
            for b in services[i + 1 :]:
                if (a.pk, b.pk) not in pairs:
                    raise _field_error(
                        "services",
                        _(
                            "%(a)s and %(b)s cannot be handled in one visit. Please book them "
                            "separately."
                        )
                        % {"a": a.name, "b": b.name},
                    )


def check_person(person: PersonInput) -> None:
    errors = []
    if not person.name.strip():
        errors.append({"field": "name", "message": _("Please enter your name.")})
    elif len(person.name) > 150:
        errors.append({"field": "name", "message": _("The name is too long.")})
    try:
        validate_email(person.email.strip())
    except ValidationError:
        errors.append({"field": "email", "message": _("Please enter a valid e-mail address.")})
    if len(person.phone) > 40:
        errors.append({"field": "phone", "message": _("The phone number is too long.")})
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)


def _check_time(
    *, start: dt.datetime, services: Sequence[Service], channel: str, now: dt.datetime
) -> tuple[dt.date, int]:
    if timezone.is_naive(start):
        raise _field_error("start", _("Give the time with its time zone."))
    local = start.astimezone(hours.BERLIN)
    day = local.date()
    size = availability.unit_minutes()
    if (local.hour * 60 + local.minute) % size or local.second or local.microsecond:
        raise _field_error("start", _("This is not a bookable start time."))
    if start <= now:
        raise _field_error("start", _("This time lies in the past."))
    first, last = availability.booking_window(services, timezone.localdate(now))
    if channel == Channel.STAFF:
        first = min(first, timezone.localdate(now))
    if not (first <= day <= last):
        raise _field_error(
            "start",
            _("Appointments can be booked from %(first)s to %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
        )
    return day, availability.unit_of(start, day)


def _upsert(sql: str, params: list[int | str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def lock_day(location: Location, day: dt.date, *, add_units: int = 0) -> None:
    """Lock the location-day's ledger row, creating it if new, and add `add_units` to it:
    one statement (an upsert locks the row it inserts or updates)."""
    _upsert(
        "INSERT INTO appointments_dayledger (location_id, date, booked_units) "
        "VALUES (%s, %s, %s) ON CONFLICT (location_id, date) "
        "DO UPDATE SET booked_units = appointments_dayledger.booked_units + EXCLUDED.booked_units",
        [location.pk, day.isoformat(), add_units],
    )


def _lock_booker(email_key: str) -> None:
    """Lock the person's Booker row, creating it if new (one statement)."""
    _upsert(
        "INSERT INTO appointments_booker (email_normalised) VALUES (%s) "
        "ON CONFLICT (email_normalised) "
        "DO UPDATE SET email_normalised = EXCLUDED.email_normalised",
        [email_key],
    )


def _release_expired_holds(location: Location, day: dt.date, now: dt.datetime) -> int:
    """Free the seats of holds on this location-day that were never confirmed (lock held);
    returns how many."""
    first = hours.local_datetime(day, 0)
    last = hours.local_datetime(day + dt.timedelta(days=1), 0)
    expired = list(
        Appointment.objects.filter(
            location=location,
            start__gte=first,
            start__lt=last,
            status=Status.HELD,
            hold_expires_at__lte=now,
        )
    )
    for appointment in expired:
        _free_seats(appointment, Status.EXPIRED, EventKind.EXPIRED, by=None, note="")
    return len(expired)


def _free_seats(
    appointment: Appointment,
    status: str,
    kind: str,
    *,
    by: Any,
    note: str,
    hold_back_until: dt.datetime | None = None,
) -> None:
    """End an appointment. Its seats are freed now, or with `hold_back_until` kept until then
    for the waitlist (the ledger lock of its day must be held)."""
    if hold_back_until is None:
        release_seats(appointment)
    appointment.release_at = hold_back_until
    appointment.status = status
    appointment.hold_expires_at = None
    appointment.save(update_fields=["status", "hold_expires_at", "release_at"])
    AppointmentEvent.objects.create(appointment=appointment, kind=kind, actor=_staff(by), note=note)


def _mask_change(*, counter_id: int, location_id: int, day: dt.date, bits: int, add: bool) -> None:
    """Set or clear `bits` in the counter-day mask (the day's ledger lock is held)."""
    row, _created = CounterDay.objects.get_or_create(
        counter_id=counter_id, date=day, defaults={"location_id": location_id}
    )
    taken = int(row.taken, 16)
    taken = taken | bits if add else taken & ~bits
    CounterDay.objects.filter(pk=row.pk).update(taken=format(taken, "x"))


def release_seats(appointment: Appointment) -> None:
    day = appointment.start.astimezone(hours.BERLIN).date()
    freed: dict[int, int] = {}
    for counter_id, moment in SeatClaim.objects.filter(appointment=appointment).values_list(
        "counter_id", "start"
    ):
        freed[counter_id] = freed.get(counter_id, 0) | 1 << availability.unit_of(moment, day)
    for counter_id, bits in freed.items():
        _mask_change(
            counter_id=counter_id,
            location_id=appointment.location_id,
            day=day,
            bits=bits,
            add=False,
        )
    deleted, _by_model = SeatClaim.objects.filter(appointment=appointment).delete()
    DayLedger.objects.filter(location_id=appointment.location_id, date=day).update(
        booked_units=F("booked_units") - deleted
    )
    if appointment.release_at is not None:
        appointment.release_at = None
        appointment.save(update_fields=["release_at"])


def _staff(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _take_seats(
    *,
    location: Location,
    day: dt.date,
    unit: int,
    services: Sequence[Service],
    channel: str,
    exclude: Appointment | None = None,
) -> tuple[int, int, int]:
    """Under the ledger lock: a counter free for the visit, the visit's length in units, and
    the counter's taken units that day as stored."""
    k = availability.units_for(services)
    boards = availability.day_boards(
        location_ids=[location.pk], start=day, end=day, services=services, channel=channel
    )
    if exclude is not None and boards:  # moving within the day: its own seats count as free
        own = SeatClaim.objects.filter(appointment=exclude).values_list("counter_id", "start")
        board = boards[0]
        for counter_id, moment in own:
            if counter_id in board.free:
                board.free[counter_id] |= 1 << availability.unit_of(moment, day)
        boards = [
            availability.DayBoard(
                board.location_id, day, board.free, board.units_left + exclude.units, board.taken
            )
        ]
    counter = boards[0].counter_for(unit, k) if boards else None
    if counter is None:
        raise SlotTaken()
    return counter, k, boards[0].taken.get(counter, 0)


def appointment_book(
    *,
    location: Location,
    services: Sequence[Service],
    start: dt.datetime,
    person: PersonInput,
    channel: str = Channel.PUBLIC,
    by: Any = None,
    confirm_by_email: bool | None = None,
    now: dt.datetime | None = None,
    reuse: Appointment | None = None,
    hold_minutes: int | None = None,
    mail: str = "",
) -> Booking:
    """Book a visit for `services` at `location` starting at `start` (Termin buchen).

    Online bookings are held until confirmed by the link in the e-mail when
    BOOKING_CONFIRM_BY_EMAIL is on; bookings by staff are confirmed at once. Raises InvalidInput
    (422), Conflict (409, with the next free times) or TooMany (429); nothing is written then.
    """
    now = now or timezone.now()
    services = list(services)
    check_services(location=location, services=services)
    check_person(person)
    day, unit = _check_time(start=start, services=services, channel=channel, now=now)
    if confirm_by_email is None:
        confirm_by_email = channel == Channel.PUBLIC and settings.BOOKING_CONFIRM_BY_EMAIL
    email_key = email_normalise(person.email)
    manage_nonce = secrets.token_hex(16)
    manage_token = manage_token_from(manage_nonce)
    confirm_token = secrets.token_urlsafe(24) if confirm_by_email else None
    k = availability.units_for(services)
    try:
        for attempt in range(3):
            reference = _new_reference()
            try:
                with write_transaction():
                    _lock_booker(email_key)
                    _check_person_limits(
                        email_key=email_key, services=services, now=now, channel=channel
                    )
                    lock_day(location, day, add_units=k)  # rolled back if the time is taken
                    if reuse is not None:  # seats held back from a cancellation, for the waitlist
                        reuse.refresh_from_db()
                        if reuse.status == Status.CANCELLED and reuse.release_at is not None:
                            release_seats(reuse)
                    take = functools.partial(
                        _take_seats,
                        location=location,
                        day=day,
                        unit=unit,
                        services=services,
                        channel=channel,
                    )
                    try:
                        counter, k, taken = take()
                    except SlotTaken:
                        # Holds past their time may still block seats until the sweeper
                        # runs; free them and look once more.
                        if not _release_expired_holds(location, day, now):
                            raise
                        counter, k, taken = take()
                    appointment = _create(
                        reference=reference,
                        location=location,
                        counter_id=counter,
                        day=day,
                        unit=unit,
                        k=k,
                        services=services,
                        person=person,
                        email_key=email_key,
                        channel=channel,
                        manage_nonce=manage_nonce,
                        confirm_token=confirm_token,
                        now=now,
                        hold_minutes=hold_minutes,
                    )
                    _claim_seats(
                        appointment=appointment,
                        counter_id=counter,
                        day=day,
                        unit=unit,
                        k=k,
                        taken_before=taken,
                    )
                    rows_insert(
                        [
                            AppointmentEvent(
                                appointment=appointment,
                                kind=EventKind.HELD if confirm_token else EventKind.CONFIRMED,
                                actor=_staff(by),
                            )
                        ]
                    )
                    notifications.booking_mail_on_commit(
                        appointment=appointment,
                        manage_token=manage_token,
                        confirm_token=confirm_token,
                        template=mail,
                    )
                break
            except IntegrityError as error:
                # Without savepoints (they cost round trips) the whole transaction is gone;
                # a drawn reference that exists already is drawn again, anything else is a
                # seat taken by someone faster.
                if attempt < 2 and Appointment.objects.filter(reference=reference).exists():
                    continue
                raise SlotTaken() from error
    except SlotTaken as conflict:
        conflict.extra["next_free_times"] = [
            {"location": loc_slug, "start": moment.isoformat()}
            for loc_slug, moment in next_free_times(
                location=location, services=services, after=start
            )
        ]
        raise
    return Booking(appointment, manage_token, confirm_token)


def next_free_times(
    *, location: Location, services: Sequence[Service], after: dt.datetime, limit: int = 5
) -> list[tuple[str, dt.datetime]]:
    day = after.astimezone(hours.BERLIN).date()
    _, last = availability.booking_window(services, timezone.localdate())
    # A fortnight is plenty for alternatives, and keeps a rush of refusals cheap.
    found = availability.free_times(
        locations=[location],
        services=services,
        start=day,
        end=min(last, day + dt.timedelta(days=14)),
        limit=limit,
    )
    return [(location.slug, f.start) for f in found]


def _check_person_limits(
    *, email_key: str, services: Sequence[Service], now: dt.datetime, channel: str
) -> None:
    # One indexed look at the person's own appointments (a handful of rows, whatever the size
    # of the book); every limit is counted from it. A filter on status or time in SQL would
    # tempt the planner to scan the whole book by those columns instead.
    own = list(
        Appointment.objects.filter(email_normalised=email_key).values_list(
            "pk", "status", "start", "end", "created_at"
        )
    )
    mine = [pk for pk, status, _start, end, _created in own if status in ACTIVE and end > now]
    active = (
        list(
            AppointmentService.objects.filter(
                appointment_id__in=mine, service__in=services
            ).select_related("service", "appointment")
        )
        if mine
        else []
    )
    per_service: dict[int, list[AppointmentService]] = {}
    for row in active:
        per_service.setdefault(row.service_id, []).append(row)
    full = [
        rows
        for rows in per_service.values()
        if len(rows) >= settings.MAX_ACTIVE_PER_PERSON_AND_SERVICE
    ]
    if full:
        existing = full[0][0]
        raise Conflict(
            _(
                "You already have an appointment for %(service)s on %(date)s. Please move or "
                "cancel that one instead."
            )
            % {
                "service": existing.service.name,
                "date": existing.appointment.start.astimezone(hours.BERLIN).strftime("%d.%m.%Y"),
            },
            title=_("You already have an appointment for this service."),
        )
    if channel == Channel.PUBLIC and settings.NO_SHOW_LIMIT:
        year_ago = now - dt.timedelta(days=365)
        missed = sum(
            1 for _pk, st, start, _e, _c in own if st == Status.NO_SHOW and start >= year_ago
        )
        if missed >= settings.NO_SHOW_LIMIT:
            raise TooMany(
                _(
                    "Appointments booked with this e-mail address were missed several times. "
                    "Please call 115: our staff will gladly book for you."
                )
            )
    if channel == Channel.PUBLIC:
        month_ago = now - dt.timedelta(days=30)
        recent = sum(1 for *_rest, created in own if created >= month_ago)
        if recent >= settings.MAX_BOOKINGS_PER_EMAIL_30_DAYS:
            raise TooMany(
                _(
                    "This e-mail address has booked too many appointments recently. Please call "
                    "115 if you need another one."
                )
            )


def _create(
    *,
    reference: str,
    location: Location,
    counter_id: int,
    day: dt.date,
    unit: int,
    k: int,
    services: Sequence[Service],
    person: PersonInput,
    email_key: str,
    channel: str,
    manage_nonce: str,
    confirm_token: str | None,
    now: dt.datetime,
    hold_minutes: int | None = None,
) -> Appointment:
    appointment = Appointment(
        reference=reference,
        location=location,
        counter_id=counter_id,
        start=availability.unit_start(day, unit),
        end=availability.unit_start(day, unit + k),
        units=k,
        status=Status.HELD if confirm_token else Status.CONFIRMED,
        channel=channel,
        name=person.name.strip(),
        email=person.email.strip(),
        email_normalised=email_key,
        phone=person.phone.strip(),
        language=person.language if person.language in ("de", "en") else "de",
        manage_nonce=manage_nonce,
        manage_token_hash=token_hash(manage_token_from(manage_nonce)),
        confirm_token_hash=token_hash(confirm_token) if confirm_token else "",
        hold_expires_at=(
            now + dt.timedelta(minutes=hold_minutes or settings.BOOKING_HOLD_MINUTES)
            if confirm_token
            else None
        ),
    )
    rows_insert([appointment])
    rows_insert(
        [
            AppointmentService(appointment=appointment, service=s, position=i)
            for i, s in enumerate(services)
        ]
    )
    return appointment


def _claim_seats(
    *,
    appointment: Appointment,
    counter_id: int,
    day: dt.date,
    unit: int,
    k: int,
    taken_before: int | None = None,
) -> None:
    """Write the seats of a visit and its bits in the counter-day mask (lock held). With
    `taken_before` (the mask as read under the lock) the ledger was counted by `lock_day`
    already; without, it is counted here and the mask is read first."""
    rows_insert(
        [
            SeatClaim(
                counter_id=counter_id,
                location_id=appointment.location_id,
                appointment=appointment,
                start=availability.unit_start(day, unit + i),
            )
            for i in range(k)
        ]
    )
    bits = ((1 << k) - 1) << unit
    if taken_before is None:
        DayLedger.objects.filter(location_id=appointment.location_id, date=day).update(
            booked_units=F("booked_units") + k
        )
        _mask_change(
            counter_id=counter_id,
            location_id=appointment.location_id,
            day=day,
            bits=bits,
            add=True,
        )
        return
    _upsert(
        "INSERT INTO appointments_counterday (counter_id, location_id, date, taken) "
        "VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (counter_id, date) DO UPDATE SET taken = EXCLUDED.taken",
        [counter_id, appointment.location_id, day.isoformat(), format(taken_before | bits, "x")],
    )


def appointment_by_token(*, token: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("location", "location__district")
        .filter(manage_token_hash=token_hash(token))
        .first()
    )
    if appointment is None:
        raise NotFound(_("This link is not valid. Please check that you copied all of it."))
    return appointment


def appointment_confirm(*, token: str, now: dt.datetime | None = None) -> Appointment:
    """Confirm a held booking from the link in the e-mail (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update()
            .filter(confirm_token_hash=token_hash(token))
            .first()
        )
        if appointment is None or not token:
            raise NotFound(_("This confirmation link is not valid."))
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
                title=_("The confirmation link has expired."),
            )
        appointment.status = Status.CONFIRMED
        appointment.hold_expires_at = None
        appointment.save(update_fields=["status", "hold_expires_at"])
        AppointmentEvent.objects.create(appointment=appointment, kind=EventKind.CONFIRMED)
        notifications.confirmed_mail_on_commit(appointment=appointment)
    return appointment


def appointment_cancel(
    *, appointment: Appointment, by: Any = None, reason: str = ""
) -> Appointment:
    """Cancel and free the seats at once (Termin absagen)."""
    with write_transaction():
        day = appointment.start.astimezone(hours.BERLIN).date()
        lock_day(appointment.location, day)
        appointment.refresh_from_db()
        if appointment.status not in ACTIVE:
            raise Conflict(_("This appointment is no longer active."))
        if appointment.end <= timezone.now():
            raise Conflict(_("This appointment has already taken place."))
        delay = settings.CANCEL_RELEASE_MINUTES
        hold_back = timezone.now() + dt.timedelta(minutes=delay) if delay else None
        _free_seats(
            appointment,
            Status.CANCELLED,
            EventKind.CANCELLED,
            by=by,
            note=reason[:300],
            hold_back_until=hold_back,
        )
        notifications.cancelled_mail_on_commit(appointment=appointment)
    return appointment


def appointment_move(
    *,
    appointment: Appointment,
    start: dt.datetime,
    by: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Move to another time at the same location; the name on it never changes."""
    now = now or timezone.now()
    services = list(appointment.services.order_by("appointmentservice__position"))
    location = appointment.location
    channel = Channel.STAFF if _staff(by) else appointment.channel
    new_day, unit = _check_time(start=start, services=services, channel=channel, now=now)
    old_day = appointment.start.astimezone(hours.BERLIN).date()
    try:
        try:
            with write_transaction():
                for day in sorted({old_day, new_day}):  # one order everywhere: no deadlock
                    lock_day(location, day)
                appointment.refresh_from_db()
                if appointment.status not in ACTIVE:
                    raise Conflict(_("This appointment is no longer active."))
                if appointment.end <= now:
                    raise Conflict(_("This appointment has already taken place."))
                counter, k, _taken = _take_seats(
                    location=location,
                    day=new_day,
                    unit=unit,
                    services=services,
                    channel=channel,
                    exclude=appointment if new_day == old_day else None,
                )
                release_seats(appointment)
                old_start = appointment.start
                appointment.counter_id = counter
                appointment.start = availability.unit_start(new_day, unit)
                appointment.end = availability.unit_start(new_day, unit + k)
                appointment.units = k
                appointment.save(update_fields=["counter", "start", "end", "units"])
                _claim_seats(
                    appointment=appointment, counter_id=counter, day=new_day, unit=unit, k=k
                )
                note = (
                    f"{old_start.astimezone(hours.BERLIN):%Y-%m-%d %H:%M} → "
                    f"{appointment.start.astimezone(hours.BERLIN):%Y-%m-%d %H:%M}"
                )
                if reason:
                    note = f"{note}: {reason}"
                AppointmentEvent.objects.create(
                    appointment=appointment, kind=EventKind.MOVED, actor=_staff(by), note=note[:300]
                )
                notifications.moved_mail_on_commit(appointment=appointment)
        except IntegrityError as error:  # the seat's unique constraint: someone was faster
            raise SlotTaken() from error
    except SlotTaken as conflict:
        conflict.extra["next_free_times"] = [
            {"location": slug, "start": moment.isoformat()}
            for slug, moment in next_free_times(location=location, services=services, after=start)
        ]
        raise
    return appointment


def holds_release_expired(*, now: dt.datetime | None = None) -> int:
    """Release every hold not confirmed in time (run regularly by the worker)."""
    now = now or timezone.now()
    released = 0
    pending = Appointment.objects.filter(status=Status.HELD, hold_expires_at__lte=now).values_list(
        "pk", "location_id", "start"
    )
    for pk, _location_id, start in list(pending):
        with transaction.atomic():
            appointment = Appointment.objects.select_related("location").get(pk=pk)
            lock_day(appointment.location, start.astimezone(hours.BERLIN).date())
            appointment.refresh_from_db()
            if (
                appointment.status == Status.HELD
                and appointment.hold_expires_at
                and appointment.hold_expires_at <= now
            ):
                _free_seats(appointment, Status.EXPIRED, EventKind.EXPIRED, by=None, note="")
                released += 1
    return released


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Remind everyone whose confirmed appointment starts within REMINDER_HOURS_BEFORE
    (once each: the row is locked and marked in the same transaction)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    due = Appointment.objects.filter(
        status=Status.CONFIRMED, reminded_at__isnull=True, start__gt=now, start__lte=horizon
    ).exclude(manage_nonce="")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update().get(pk=pk)
            if appointment.reminded_at is not None or appointment.status != Status.CONFIRMED:
                continue
            appointment.reminded_at = now
            appointment.save(update_fields=["reminded_at"])
            AppointmentEvent.objects.create(appointment=appointment, kind=EventKind.REMINDED)
            notifications.reminder_mail_on_commit(
                appointment=appointment, manage_token=manage_token_of(appointment)
            )
            sent += 1
    return sent


def appointment_keep(*, appointment: Appointment) -> None:
    """The person answered a reminder with "I still need it" (recorded once)."""
    with transaction.atomic():
        if not appointment.events.filter(kind=EventKind.KEPT).exists():
            AppointmentEvent.objects.create(appointment=appointment, kind=EventKind.KEPT)


def appointment_no_show(
    *, appointment: Appointment, by: Any, now: dt.datetime | None = None
) -> Appointment:
    """Staff record that the person did not come; no-shows count against online booking."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != Status.CONFIRMED:
            raise Conflict(_("Only a confirmed appointment can be marked as not attended."))
        if appointment.start > now:
            raise Conflict(_("The appointment has not started yet."))
        appointment.status = Status.NO_SHOW
        appointment.save(update_fields=["status"])
        AppointmentEvent.objects.create(
            appointment=appointment, kind=EventKind.NO_SHOW, actor=_staff(by)
        )
    return appointment


def appointment_complete(*, appointment: Appointment, by: Any) -> Appointment:
    """The visit for this appointment has been served at the counter."""
    with transaction.atomic():
        done = Appointment.objects.filter(pk=appointment.pk, status=Status.CONFIRMED).update(
            status=Status.COMPLETED
        )
        if done:
            AppointmentEvent.objects.create(
                appointment=appointment, kind=EventKind.COMPLETED, actor=_staff(by)
            )
    appointment.refresh_from_db(fields=["status"])
    return appointment


def closures_notify_affected(*, now: dt.datetime | None = None) -> list[Appointment]:
    """Tell every person whose active appointment falls into a closure (of the whole location
    or of the appointment's counter), once; staff see the same list to move them."""
    from hamburg_service.appointments.selectors import appointments_hit_by_closures

    now = now or timezone.now()
    told = []
    for appointment in appointments_hit_by_closures(now=now, only_untold=True):
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if locked.closure_notified_at is not None or locked.status not in ACTIVE:
                continue
            locked.closure_notified_at = now
            locked.save(update_fields=["closure_notified_at"])
            AppointmentEvent.objects.create(appointment=locked, kind=EventKind.CLOSURE)
            if locked.manage_nonce:
                notifications.closure_mail_on_commit(
                    appointment=locked, manage_token=manage_token_of(locked)
                )
            told.append(locked)
    return told


def past_seats_forget(*, today: dt.date | None = None) -> int:
    """Seats and masks of days gone by guard nothing any more; the appointments and their
    events stay."""
    today = today or timezone.localdate()
    deleted, _by_model = SeatClaim.objects.filter(start__lt=hours.local_datetime(today, 0)).delete()
    CounterDay.objects.filter(date__lt=today).delete()
    return deleted
