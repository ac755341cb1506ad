"""The benchmark's appointment history: consistent seats and ledgers, reproducible counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally

import pytest

from hamburg_service.appointments import availability
from hamburg_service.appointments.history import HistoryError, history_generate
from hamburg_service.appointments.models import (
    Appointment,
    AppointmentService,
    Channel,
    DayLedger,
    SeatClaim,
    Status,
)
from hamburg_service.catalog import hours
from hamburg_service.catalog.demo import city_generate
from hamburg_service.catalog.models import Purpose
from hamburg_service.catalog.selectors import counter_spans_many

TODAY = dt.date(2030, 1, 14)  # a Monday


def _generate() -> dict[str, int | float]:
    counts = history_generate(days_back=10, days_ahead=10, seed=3, today=TODAY, batch_size=50)
    counts.pop("seconds")
    return counts


@pytest.fixture
def small_city(db: None) -> list[int]:
    city_generate(locations=2, services=6, counters_per_location=3, seed=1)
    from hamburg_service.catalog.models import Location

    return list(Location.objects.order_by("pk").values_list("pk", flat=True))


def test_history_is_consistent(small_city: list[int]) -> None:
    counts = _generate()
    assert counts["past"] > 0
    assert counts["future"] > 0
    assert Appointment.objects.count() == counts["appointments"]
    assert AppointmentService.objects.count() == counts["appointment_services"]
    assert SeatClaim.objects.count() == counts["seat_claims"]

    first, last = TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=10)
    spans = counter_spans_many(
        location_ids=small_city, start=first, end=last, services=(), purpose=Purpose.BOOKING
    )
    ledgers = {(row.location_id, row.date): row.booked_units for row in DayLedger.objects.all()}
    claims: Tally[tuple[int, dt.date]] = Tally()
    for claim in SeatClaim.objects.select_related("appointment"):
        day = claim.start.astimezone(hours.BERLIN).date()
        assert day >= TODAY
        assert claim.appointment.status == Status.CONFIRMED
        assert claim.counter_id == claim.appointment.counter_id
        # The claimed unit is open on that counter.
        open_mask = availability.span_mask(spans[claim.location_id][day][claim.counter_id])
        assert open_mask >> availability.unit_of(claim.start, day) & 1
        claims[(claim.location_id, day)] += 1
    units: Tally[tuple[int, dt.date]] = Tally()
    for appointment in Appointment.objects.all():
        day = appointment.start.astimezone(hours.BERLIN).date()
        units[(appointment.location_id, day)] += appointment.units
        assert (day < TODAY) == (appointment.status in (Status.COMPLETED, Status.NO_SHOW))
        assert appointment.end == availability.unit_start(
            day, availability.unit_of(appointment.start, day) + appointment.units
        )
        if day >= TODAY:
            assert appointment.claims.count() == appointment.units
    # Future: ledger == claims; past: ledger == the units of the day's visits.
    for key, booked in ledgers.items():
        assert booked == (claims[key] if key[1] >= TODAY else units[key])
    assert set(claims) <= set(ledgers)
    assert units == Tally(ledgers)
    # No claim twice on one seat (the constraint) and every ledger within the public share.
    assert len({(c.counter_id, c.start) for c in SeatClaim.objects.all()}) == sum(claims.values())
    for (location_id, day), booked in ledgers.items():
        capacity = sum(
            availability.span_mask(s).bit_count() for s in spans[location_id][day].values()
        )
        assert booked <= availability.share_limit(capacity, Channel.PUBLIC)
    # Unique references and token hashes.
    assert Appointment.objects.values("reference").distinct().count() == counts["appointments"]
    assert (
        Appointment.objects.values("manage_token_hash").distinct().count() == counts["appointments"]
    )


def test_history_is_reproducible(small_city: list[int]) -> None:
    counts = _generate()
    fingerprint = list(
        Appointment.objects.order_by("pk").values_list("reference", "counter_id", "start")
    )
    with pytest.raises(HistoryError):
        _generate()  # not into a book that already has appointments
    SeatClaim.objects.all().delete()
    AppointmentService.objects.all().delete()
    Appointment.objects.all().delete()
    DayLedger.objects.all().delete()
    assert _generate() == counts
    again = list(Appointment.objects.order_by("pk").values_list("reference", "counter_id", "start"))
    assert [row[1:] for row in again] == [row[1:] for row in fingerprint]
