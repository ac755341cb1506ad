"""The locks and seats every write of the appointment book shares.

Concurrency: a booking locks the person (Booker row) and the location-day (DayLedger row) —
on SQLite the immediate transaction already serialises writers — then checks the seats and
writes them. The unique (counter, start) constraint on SeatClaim is the last line of defence:
two appointments on one seat of one slot cannot both be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.db.models import F

from hamburg_service.appointments import availability, mails
from hamburg_service.appointments.models import (
    Appointment,
    CounterDay,
    DayLedger,
    EventKind,
    SeatClaim,
    Status,
)
from hamburg_service.appointments.services.rules import SlotTaken
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import rows_insert
from hamburg_service.core.events import event_record


def _upsert(sql: str, params: list[int | str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def day_of(appointment: Appointment) -> dt.date:
    return appointment.start.astimezone(hours.BERLIN).date()


def lock_day(location: Location, day: dt.date, *, add_units: int = 0) -> None:
    """Lock the location-day's ledger row, creating it if new, and add `add_units` to it:
    one statement (an upsert locks the row it inserts or updates)."""
    _upsert(
        "INSERT INTO appointments_dayledger (location_id, date, booked_units) "
        "VALUES (%s, %s, %s) ON CONFLICT (location_id, date) "
        "DO UPDATE SET booked_units = appointments_dayledger.booked_units + EXCLUDED.booked_units",
        [location.pk, day.isoformat(), add_units],
    )


def lock_booker(email_key: str) -> None:
    """Lock the person's Booker row, creating it if new (one statement)."""
    _upsert(
        "INSERT INTO appointments_booker (email_normalised) VALUES (%s) "
        "ON CONFLICT (email_normalised) "
        "DO UPDATE SET email_normalised = EXCLUDED.email_normalised",
        [email_key],
    )


def appointment_end(
    appointment: Appointment,
    *,
    status: str,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    note: str = "",
    hold_back_until: dt.datetime | None = None,
) -> None:
    """End an appointment (the ledger lock of its day must be held). Its seats are freed now,
    or with `hold_back_until` kept until then for the waitlist."""
    if hold_back_until is None:
        release_seats(appointment)
    appointment.release_at = hold_back_until
    appointment.status = status
    appointment.hold_expires_at = None
    appointment.save(update_fields=["status", "hold_expires_at", "release_at"])
    event_record(appointment, kind=kind, actor=actor, at=at, data={"note": note} if note else None)


def hold_lapse(appointment: Appointment, *, actor: Actor, at: dt.datetime) -> None:
    """A hold not confirmed in time ends (the ledger lock of its day is held) and the address
    is told that the time is free again — it had the hold's e-mail already."""
    appointment_end(appointment, status=Status.EXPIRED, kind=EventKind.EXPIRED, actor=actor, at=at)
    mails.appointment_mail(appointment, "expired", now=at)


def release_expired_holds(
    location: Location, day: dt.date, *, now: dt.datetime, actor: Actor
) -> int:
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
        hold_lapse(appointment, actor=actor, at=now)
    return len(expired)


def _mask_change(*, counter_id: int, location_id: int, day: dt.date, bits: int, add: bool) -> None:
    """Set or clear `bits` in the counter-day mask (the day's ledger lock is held)."""
    row, _created = CounterDay.objects.get_or_create(
        counter_id=counter_id, date=day, defaults={"location_id": location_id}
    )
    taken = int(row.taken, 16)
    taken = taken | bits if add else taken & ~bits
    CounterDay.objects.filter(pk=row.pk).update(taken=format(taken, "x"))


def release_seats(appointment: Appointment) -> None:
    """Free an appointment's seats and their bits (the ledger lock of its day is held)."""
    day = day_of(appointment)
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


def seats_find(
    *,
    location: Location,
    day: dt.date,
    unit: int,
    services: Sequence[Service],
    channel: str,
    exclude: Appointment | None = None,
) -> tuple[int, int, int]:
    """Under the ledger lock: a counter free for the visit, the visit's length in units, and
    the counter's taken units that day as stored. SlotTaken if there is none."""
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


def seats_claim(
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
