"""Opening-hours resolution: timetables, validity periods, holidays, closures, capacity, DST."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from hamburg_service.catalog import hours, selectors
from hamburg_service.catalog.models import Agency, Closure, LocationKind, Purpose

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
WEEKDAYS_8_16 = {day: [("08:00", "16:00")] for day in range(5)}
EVERY_DAY_8_16 = {day: [("08:00", "16:00")] for day in range(7)}


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A wall-clock time in Hamburg (only for days without a DST switch)."""
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=BERLIN)


def spans(intervals) -> list[tuple[str, str]]:
    """Intervals as local ("HH:MM", "HH:MM") pairs, for readable assertions."""
    return [
        (i.start.astimezone(BERLIN).strftime("%H:%M"), i.end.astimezone(BERLIN).strftime("%H:%M"))
        for i in intervals
    ]


def capacity(day_hours) -> list[tuple[str, str, int]]:
    pieces = day_hours.capacity
    return [(*span, i.counters) for span, i in zip(spans(pieces), pieces, strict=True)]


def one_day(location, day: dt.date, **kwargs) -> selectors.DayHours:
    [result] = selectors.opening_hours(location=location, start=day, end=day, **kwargs)
    assert result.date == day
    return result


# --- weekly rules -----------------------------------------------------------------------------


def test_weekly_rules_give_aware_berlin_intervals_and_closed_weekdays_are_empty(
    make_location, make_schedule
):
    location = make_location()
    make_schedule(
        location, {0: [("08:00", "16:00")], 1: [("10:00", "18:00")], 3: [("07:30", "13:00")]}
    )

    week = selectors.opening_hours(
        location=location, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 8)
    )

    assert [d.date for d in week] == [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(7)]
    monday = week[0]
    [interval] = monday.open
    assert interval.start == local(dt.date(2026, 3, 2), 8)
    assert interval.end == local(dt.date(2026, 3, 2), 16)
    assert interval.start.tzinfo is not None
    assert interval.start.utcoffset() == dt.timedelta(hours=1)
    assert interval.start.astimezone(UTC) == dt.datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert interval.minutes == 8 * 60
    assert spans(week[1].open) == [("10:00", "18:00")]
    assert spans(week[3].open) == [("07:30", "13:00")]
    for closed in (week[2], week[4], week[5], week[6]):
        assert closed.open == ()
        assert closed.capacity == ()
        assert not closed.is_open
        assert closed.holiday is None
    assert monday.is_open


def test_a_lunch_break_gives_two_intervals_with_capacity_in_both(
    make_location, make_schedule, make_counter
):
    location = make_location()
    make_counter(location, "Platz 1")
    make_counter(location, "Platz 2")
    make_schedule(location, {3: [("13:00", "16:00"), ("08:00", "12:00")]})

    thursday = one_day(location, dt.date(2026, 3, 5))

    assert spans(thursday.open) == [("08:00", "12:00"), ("13:00", "16:00")]
    assert capacity(thursday) == [("08:00", "12:00", 2), ("13:00", "16:00", 2)]


def test_rules_that_touch_read_as_one_opening(make_location, make_schedule):
    location = make_location()
    make_schedule(location, {0: [("08:00", "12:00"), ("12:00", "15:00")]})

    assert spans(one_day(location, dt.date(2026, 3, 2)).open) == [("08:00", "15:00")]


# --- validity periods -------------------------------------------------------------------------


def test_a_summer_timetable_overrides_the_standard_one_only_inside_its_period(
    make_location, make_schedule
):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16, label="Standard")
    make_schedule(
        location,
        {0: [("08:00", "12:00")]},
        valid_from=dt.date(2026, 7, 1),
        valid_until=dt.date(2026, 8, 31),
        label="Sommer",
    )

    def monday(day: dt.date) -> list[tuple[str, str]]:
        return spans(one_day(location, day).open)

    assert monday(dt.date(2026, 6, 29)) == [("08:00", "16:00")]
    assert monday(dt.date(2026, 7, 6)) == [("08:00", "12:00")]
    assert monday(dt.date(2026, 8, 31)) == [("08:00", "12:00")]  # last day of summer
    assert monday(dt.date(2026, 9, 7)) == [("08:00", "16:00")]
    # The summer timetable has no Tuesday: inside its period Tuesday is closed.
    assert one_day(location, dt.date(2026, 7, 7)).open == ()
    assert spans(one_day(location, dt.date(2026, 9, 8)).open) == [("08:00", "16:00")]


def test_a_new_standard_takes_over_from_its_valid_from(make_location, make_schedule):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16)
    make_schedule(
        location, {day: [("09:00", "17:00")] for day in range(5)}, valid_from=dt.date(2026, 5, 6)
    )

    days = selectors.opening_hours(
        location=location, start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 8)
    )

    assert [spans(d.open) for d in days] == [
        [("08:00", "16:00")],  # Mon 4 May
        [("08:00", "16:00")],  # Tue 5 May
        [("09:00", "17:00")],  # Wed 6 May: the new standard starts
        [("09:00", "17:00")],
        [("09:00", "17:00")],
    ]


def test_a_schedule_with_valid_until_ends(make_location, make_schedule):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16, valid_until=dt.date(2026, 3, 31))

    days = selectors.opening_hours(
        location=location, start=dt.date(2026, 3, 31), end=dt.date(2026, 4, 1)
    )

    assert spans(days[0].open) == [("08:00", "16:00")]  # Tue 31 March, the last valid day
    assert days[1].open == ()  # Wed 1 April: no timetable any more


def test_a_schedule_starting_later_is_not_used_before_it_starts(make_location, make_schedule):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16, valid_from=dt.date(2026, 3, 10))

    assert one_day(location, dt.date(2026, 3, 9)).open == ()
    assert spans(one_day(location, dt.date(2026, 3, 10)).open) == [("08:00", "16:00")]


# --- public holidays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name_de", "name_en"),
    [
        (dt.date(2026, 10, 3), "Tag der Deutschen Einheit", "German Unity Day"),
        (dt.date(2026, 10, 31), "Reformationstag", "Reformation Day"),
        (dt.date(2026, 4, 3), "Karfreitag", "Good Friday"),
        (dt.date(2026, 4, 6), "Ostermontag", "Easter Monday"),
    ],
)
def test_hamburg_public_holidays_close_the_location_and_are_named(
    make_location, make_schedule, make_counter, day, name_de, name_en
):
    location = make_location()
    make_counter(location, "Platz 1")
    make_schedule(location, EVERY_DAY_8_16)

    german = one_day(location, day)
    with translation.override("en"):
        english = one_day(location, day)

    assert german.open == ()
    assert german.capacity == ()
    assert not german.is_open
    assert german.holiday == name_de
    assert english.holiday == name_en
    assert english.open == ()


def test_the_day_after_a_holiday_is_open_again(make_location, make_schedule):
    location = make_location()
    make_schedule(location, EVERY_DAY_8_16)

    after = one_day(location, dt.date(2026, 10, 4))

    assert after.holiday is None
    assert spans(after.open) == [("08:00", "16:00")]


# --- closures ---------------------------------------------------------------------------------


@pytest.fixture
def open_centre(make_location, make_schedule, make_counter):
    """Open Mon–Fri 08:00–16:00 with three counters."""
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16)
    counters = [make_counter(location, f"Platz {n}") for n in (1, 2, 3)]
    return location, counters


def test_a_whole_day_closure_closes_the_location(open_centre):
    location, _ = open_centre
    Closure.objects.create(
        location=location,
        start_date=dt.date(2026, 3, 3),
        end_date=dt.date(2026, 3, 3),
        reason_de="Betriebsausflug",
        reason_en="Staff outing",
    )

    monday, tuesday, wednesday = selectors.opening_hours(
        location=location, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4)
    )

    assert tuesday.open == ()
    assert tuesday.capacity == ()
    [note] = tuesday.closures
    assert note.reason == "Betriebsausflug"
    assert note.whole_location
    assert note.start is None
    assert note.end is None
    with translation.override("en"):
        [english] = one_day(location, dt.date(2026, 3, 3)).closures
    assert english.reason == "Staff outing"
    assert spans(monday.open) == spans(wednesday.open) == [("08:00", "16:00")]
    assert monday.closures == wednesday.closures == ()


def test_a_closure_over_several_days_closes_each_of_them(open_centre):
    location, _ = open_centre
    Closure.objects.create(
        location=location, start_date=dt.date(2026, 3, 3), end_date=dt.date(2026, 3, 5)
    )

    days = selectors.opening_hours(
        location=location, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 6)
    )

    assert [d.is_open for d in days] == [True, False, False, False, True]


def test_a_closure_of_some_hours_splits_the_day(open_centre):
    location, _ = open_centre
    Closure.objects.create(
        location=location,
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 2),
        start_time=dt.time(10, 0),
        end_time=dt.time(12, 30),
        reason_de="Personalversammlung",
    )

    monday = one_day(location, dt.date(2026, 3, 2))

    assert spans(monday.open) == [("08:00", "10:00"), ("12:30", "16:00")]
    assert capacity(monday) == [("08:00", "10:00", 3), ("12:30", "16:00", 3)]
    [note] = monday.closures
    assert note.whole_location
    assert note.start == local(dt.date(2026, 3, 2), 10)
    assert note.end == local(dt.date(2026, 3, 2), 12, 30)


def test_a_closure_of_some_counters_keeps_the_location_open_with_fewer_counters(open_centre):
    location, counters = open_centre
    closure = Closure.objects.create(
        location=location,
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 2),
        start_time=dt.time(10, 0),
        end_time=dt.time(12, 0),
    )
    closure.counters.set(counters[:2])

    monday, tuesday = selectors.opening_hours(
        location=location, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 3)
    )

    assert spans(monday.open) == [("08:00", "16:00")]
    assert capacity(monday) == [
        ("08:00", "10:00", 3),
        ("10:00", "12:00", 1),
        ("12:00", "16:00", 3),
    ]
    [note] = monday.closures
    assert not note.whole_location
    assert capacity(tuesday) == [("08:00", "16:00", 3)]


def test_a_whole_day_closure_of_every_counter_leaves_no_capacity_but_the_doors_open(
    open_centre,
):
    location, counters = open_centre
    closure = Closure.objects.create(
        location=location, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 2)
    )
    closure.counters.set(counters)

    monday = one_day(location, dt.date(2026, 3, 2))

    assert spans(monday.open) == [("08:00", "16:00")]
    assert monday.capacity == ()


def test_closures_of_another_location_do_not_matter(open_centre, make_location):
    location, _ = open_centre
    other = make_location()
    Closure.objects.create(
        location=other, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 2)
    )

    monday = one_day(location, dt.date(2026, 3, 2))

    assert spans(monday.open) == [("08:00", "16:00")]
    assert monday.closures == ()


# --- capacity ---------------------------------------------------------------------------------


@pytest.fixture
def skilled_centre(make_location, make_schedule, make_counter, make_service):
    location = make_location()
    make_schedule(location, {0: [("08:00", "12:00")]})
    passport = make_service("reisepass", at=[location])
    moving = make_service("ummeldung", at=[location])
    make_counter(location, "Platz 1", [passport, moving])
    make_counter(location, "Platz 2", [passport])
    make_counter(location, "Platz 3", [moving])
    make_counter(location, "Platz 4", [passport, moving], is_active=False)
    return location, passport, moving


def test_capacity_counts_only_active_counters_skilled_for_the_service(skilled_centre):
    location, passport, moving = skilled_centre
    monday = dt.date(2026, 3, 2)

    assert capacity(one_day(location, monday, service=passport)) == [("08:00", "12:00", 2)]
    assert capacity(one_day(location, monday, service=moving)) == [("08:00", "12:00", 2)]


def test_capacity_without_a_service_counts_all_active_counters(skilled_centre):
    location, _, _ = skilled_centre

    assert capacity(one_day(location, dt.date(2026, 3, 2))) == [("08:00", "12:00", 3)]


def test_a_service_no_counter_is_skilled_for_has_no_capacity(skilled_centre, make_service):
    location, _, _ = skilled_centre
    rare = make_service("selten", at=[location])

    monday = one_day(location, dt.date(2026, 3, 2), service=rare)

    assert spans(monday.open) == [("08:00", "12:00")]
    assert monday.capacity == ()


def test_a_service_not_offered_at_the_location_has_no_capacity(skilled_centre, make_service):
    location, passport, _ = skilled_centre
    elsewhere = make_service("anderswo")
    # A stale skill (set bypassing validation) must not make the location offer the service.
    location.counters.get(name="Platz 1").services.add(elsewhere)
    assert not location.services.filter(pk=elsewhere.pk).exists()

    monday = one_day(location, dt.date(2026, 3, 2), service=elsewhere)

    assert spans(monday.open) == [("08:00", "12:00")]
    assert monday.capacity == ()
    # The other services are unaffected.
    assert capacity(one_day(location, dt.date(2026, 3, 2), service=passport)) == [
        ("08:00", "12:00", 2)
    ]


def test_counters_of_another_location_do_not_count(skilled_centre, make_location, make_counter):
    location, passport, _ = skilled_centre
    other = make_location()
    passport.locations.add(other)
    make_counter(other, "Platz 1", [passport])

    assert capacity(one_day(location, dt.date(2026, 3, 2), service=passport)) == [
        ("08:00", "12:00", 2)
    ]


# --- daylight saving time ---------------------------------------------------------------------

SPRING_FORWARD = dt.date(2026, 3, 29)  # Sunday: 02:00 CET -> 03:00 CEST
FALL_BACK = dt.date(2026, 10, 25)  # Sunday: 03:00 CEST -> 02:00 CET


def test_a_night_rule_on_the_spring_forward_sunday_lasts_two_real_hours(
    make_location, make_schedule, make_counter
):
    location = make_location()
    make_counter(location, "Platz 1")
    make_schedule(location, {6: [("01:00", "04:00")]})

    sunday = one_day(location, SPRING_FORWARD)

    [interval] = sunday.open
    assert interval.start.astimezone(UTC) == dt.datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert interval.end.astimezone(UTC) == dt.datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert interval.minutes == 120
    [piece] = sunday.capacity
    assert piece.minutes == 120
    assert piece.counters == 1


def test_a_night_rule_on_the_fall_back_sunday_lasts_four_real_hours(make_location, make_schedule):
    location = make_location()
    make_schedule(location, {6: [("01:00", "04:00")]})

    [interval] = one_day(location, FALL_BACK).open

    assert interval.start.astimezone(UTC) == dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert interval.end.astimezone(UTC) == dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert interval.minutes == 240


def test_a_rule_in_the_repeated_hour_starts_at_its_first_occurrence(make_location, make_schedule):
    location = make_location()
    make_schedule(location, {6: [("02:00", "03:00")]})

    [interval] = one_day(location, FALL_BACK).open

    assert interval.start.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert interval.start.utcoffset() == dt.timedelta(hours=2)
    assert interval.end.astimezone(UTC) == dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert interval.minutes == 120


def test_an_eight_oclock_opening_follows_the_clock_change(make_location, make_schedule):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16)

    friday = one_day(location, dt.date(2026, 3, 27))
    monday = one_day(location, dt.date(2026, 3, 30))

    assert friday.open[0].start.astimezone(UTC) == dt.datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    assert monday.open[0].start.astimezone(UTC) == dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert friday.open[0].minutes == monday.open[0].minutes == 8 * 60
    # ...and back in autumn: Friday 23 October CEST, Monday 26 October CET.
    before = one_day(location, dt.date(2026, 10, 23))
    after = one_day(location, dt.date(2026, 10, 26))
    assert before.open[0].start.astimezone(UTC) == dt.datetime(2026, 10, 23, 6, 0, tzinfo=UTC)
    assert after.open[0].start.astimezone(UTC) == dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_a_rule_starting_in_the_skipped_hour_starts_at_half_past_three_summer_time(
    make_location, make_schedule
):
    location = make_location()
    make_schedule(location, {6: [("02:30", "05:00")]})

    [interval] = one_day(location, SPRING_FORWARD).open

    assert interval.start.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    local_start = interval.start.astimezone(BERLIN)
    assert (local_start.hour, local_start.minute) == (3, 30)
    assert local_start.utcoffset() == dt.timedelta(hours=2)
    assert interval.end.astimezone(UTC) == dt.datetime(2026, 3, 29, 3, 0, tzinfo=UTC)
    assert interval.minutes == 90


def test_a_closure_of_some_hours_on_a_dst_day_is_placed_in_real_time(make_location, make_schedule):
    location = make_location()
    make_schedule(location, {6: [("00:00", "06:00")]})
    Closure.objects.create(
        location=location,
        start_date=SPRING_FORWARD,
        end_date=SPRING_FORWARD,
        start_time=dt.time(1, 0),
        end_time=dt.time(4, 0),
    )

    sunday = one_day(location, SPRING_FORWARD)

    assert [i.minutes for i in sunday.open] == [60, 120]
    [note] = sunday.closures
    assert note.start is not None
    assert note.end is not None
    assert note.end.astimezone(UTC) - note.start.astimezone(UTC) == dt.timedelta(hours=2)


# --- booking hours ----------------------------------------------------------------------------


def test_booking_purpose_uses_the_booking_timetable_where_there_is_one(
    make_location, make_schedule
):
    with_booking = make_location()
    make_schedule(with_booking, WEEKDAYS_8_16)
    make_schedule(
        with_booking,
        {day: [("08:00", "15:30")] for day in range(5)},
        purpose=Purpose.BOOKING,
    )
    without_booking = make_location()
    make_schedule(without_booking, WEEKDAYS_8_16)
    monday = dt.date(2026, 3, 2)

    assert spans(one_day(with_booking, monday, purpose=Purpose.BOOKING).open) == [
        ("08:00", "15:30")
    ]
    assert spans(one_day(with_booking, monday, purpose=Purpose.OPENING).open) == [
        ("08:00", "16:00")
    ]
    assert spans(one_day(without_booking, monday, purpose=Purpose.BOOKING).open) == [
        ("08:00", "16:00")
    ]


def test_booking_purpose_falls_back_to_opening_hours_outside_the_booking_period(
    make_location, make_schedule
):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16)
    make_schedule(
        location,
        {0: [("09:00", "11:00")]},
        purpose=Purpose.BOOKING,
        valid_from=dt.date(2026, 3, 9),
    )

    before, after = (
        one_day(location, day, purpose=Purpose.BOOKING)
        for day in (dt.date(2026, 3, 2), dt.date(2026, 3, 9))
    )

    assert spans(before.open) == [("08:00", "16:00")]
    assert spans(after.open) == [("09:00", "11:00")]


def test_booking_hours_still_respect_holidays_and_closures(make_location, make_schedule):
    location = make_location()
    make_schedule(location, WEEKDAYS_8_16)
    make_schedule(location, WEEKDAYS_8_16, purpose=Purpose.BOOKING)
    Closure.objects.create(
        location=location, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 2)
    )

    assert one_day(location, dt.date(2026, 3, 2), purpose=Purpose.BOOKING).open == ()
    assert one_day(location, dt.date(2026, 4, 3), purpose=Purpose.BOOKING).open == ()


# --- many locations at once -------------------------------------------------------------------


def test_opening_hours_many_answers_in_a_constant_number_of_queries(
    make_location, make_schedule, make_counter, make_service, django_assert_max_num_queries
):
    locations = []
    for n in range(5):
        location = make_location(kind=LocationKind.RESIDENTS)
        service = make_service(at=[location], agency=Agency.RESIDENTS)
        counters = [make_counter(location, f"Platz {c}", [service]) for c in range(3)]
        make_schedule(location, WEEKDAYS_8_16)
        make_schedule(location, {0: [("08:00", "12:00")]}, valid_from=dt.date(2026, 3, 15))
        make_schedule(location, WEEKDAYS_8_16, purpose=Purpose.BOOKING)
        closure = Closure.objects.create(
            location=location,
            start_date=dt.date(2026, 3, 2 + n),
            end_date=dt.date(2026, 3, 2 + n),
            start_time=dt.time(9),
            end_time=dt.time(10),
        )
        closure.counters.set(counters[:1])
        Closure.objects.create(
            location=location, start_date=dt.date(2026, 3, 10), end_date=dt.date(2026, 3, 10)
        )
        locations.append(location)
    start, end = dt.date(2026, 3, 1), dt.date(2026, 4, 29)

    with django_assert_max_num_queries(6):
        result = selectors.opening_hours_many(locations=locations, start=start, end=end)

    assert set(result) == {loc.pk for loc in locations}
    for location in locations:
        days = result[location.pk]
        assert len(days) == 60
        # Resolved for each location the same way as one by one.
        assert days == selectors.opening_hours(location=location, start=start, end=end)
        assert not days[9].is_open  # Tuesday 10 March, closed everywhere
        assert days[5].holiday is None
        assert spans(days[15].open) == [("08:00", "12:00")]  # Monday 16 March, new standard
    # Each location's counter closure falls on its own day.
    for n, location in enumerate(locations):
        day = result[location.pk][1 + n]  # Monday 2 March to Friday 6 March
        assert ("09:00", "10:00", 2) in capacity(day)


# --- the arithmetic underneath (property tests) ------------------------------------------------

minute = st.one_of(st.integers(0, hours.DAY), st.sampled_from(range(0, hours.DAY + 1, 60)))
raw_span = st.tuples(minute, minute).map(lambda s: (min(s), max(s)))
raw_spans = st.lists(raw_span, max_size=8)


def minute_set(span_list) -> set[int]:
    return {m for start, end in span_list for m in range(start, end)}


# No example database in the working tree; no deadline: the machines are shared, and a slow
# example is not a wrong one.
@settings(database=None, deadline=None)
@given(raw_spans)
def test_normalise_sorts_merges_and_keeps_the_same_minutes(span_list):
    result = hours.normalise(span_list)

    assert minute_set(result) == minute_set(span_list)
    assert all(start < end for start, end in result)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(result))  # disjoint, not even touching


# No example database in the working tree; no deadline: the machines are shared, and a slow
# example is not a wrong one.
@settings(database=None, deadline=None)
@given(raw_spans, raw_spans)
def test_subtract_removes_exactly_the_cuts(span_list, cut_list):
    spans_n, cuts_n = hours.normalise(span_list), hours.normalise(cut_list)

    result = hours.subtract(spans_n, cuts_n)

    assert not minute_set(result) & minute_set(cuts_n)
    assert minute_set(result) <= minute_set(spans_n)
    assert minute_set(result) == minute_set(spans_n) - minute_set(cuts_n)
    assert hours.normalise(result) == result


# No example database in the working tree; no deadline: the machines are shared, and a slow
# example is not a wrong one.
@settings(database=None, deadline=None)
@given(st.lists(raw_spans, max_size=6))
def test_coverage_counts_the_counters_open_at_each_minute(per_counter_raw):
    per_counter = [hours.normalise(s) for s in per_counter_raw]

    pieces = hours.coverage(per_counter)

    expected = [sum(any(s <= m < e for s, e in c) for c in per_counter) for m in range(hours.DAY)]
    got = [0] * hours.DAY
    for start, end, count in pieces:
        assert start < end
        assert count > 0
        for m in range(start, end):
            assert got[m] == 0  # pieces do not overlap
            got[m] = count
    assert got == expected
    # Neighbouring pieces with the same count are merged.
    assert all(not (a[1] == b[0] and a[2] == b[2]) for a, b in itertools.pairwise(pieces))


@pytest.mark.parametrize(
    ("day", "minute_of_day", "utc"),
    [
        (SPRING_FORWARD, 120, dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 02:00 -> 03:00 CEST
        (SPRING_FORWARD, 180, dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (FALL_BACK, 150, dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 02:30
        (FALL_BACK, 180, dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        (dt.date(2026, 3, 28), hours.DAY, dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
    ],
)
def test_local_datetime_maps_wall_clock_minutes_to_real_instants(day, minute_of_day, utc):
    result = hours.local_datetime(day, minute_of_day)

    assert result.astimezone(UTC) == utc
    assert result.tzinfo is not None
