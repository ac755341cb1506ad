"""The expected decision date: the arithmetic on constructed queues, the live queue in the
database (position, throughput, time after taken), the date moving while the case waits, never
before today, the service norm without history, and its calibration on a simulated year."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.cases import forecast
from hamburg_service.cases.forecast import (
    Basis,
    History,
    case_forecast,
    history_build,
    offsets_in_queue,
    offsets_taken,
    overtaking_share,
)
from hamburg_service.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus, CaseType
from hamburg_service.cases.services import lifecycle, pool
from hamburg_service.cases.services.lifecycle import Outcome
from hamburg_service.cases.simulate import SCENARIOS, simulate

from .conftest import NOW, TODAY


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(11, 0), tzinfo=dt.UTC)


def steady(per_day: int, durations: list[int], today: dt.date = TODAY) -> History:
    days = [today - dt.timedelta(days=d) for d in range(1, 57) for _i in range(per_day)]
    return history_build(today, days, durations)


def decided_history(
    case_type: CaseType, *, per_day: int, after_taken: int, today: dt.date = TODAY
) -> None:
    """`per_day` decisions on each of the last 56 days, each taken `after_taken` days before."""
    cases = []
    for back in range(1, 57):
        day = today - dt.timedelta(days=back)
        for _i in range(per_day):
            received = day - dt.timedelta(days=after_taken + 3)
            cases.append(
                Case(
                    reference=f"HS-2025-{len(cases) + 1:06d}",
                    case_type=case_type,
                    applicant_name="Earlier Applicant",
                    channel="post",
                    status=CaseStatus.DECIDED,
                    received_at=at_noon(received),
                    received_on=received,
                    planned_on=received,
                    decided_on=day,
                    outcome=Outcome.APPROVED,
                )
            )
    Case.objects.bulk_create(cases)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=CaseEventKind.ASSIGNED,
            at=at_noon(case.decided_on - dt.timedelta(days=after_taken)),
            actor_kind="system",
            actor_name="test",
        )
        for case in cases
        if case.decided_on is not None
    )


# --- the arithmetic ------------------------------------------------------------------------------


def test_ten_ahead_at_two_a_day_is_decided_in_about_five_days():
    low, high = offsets_in_queue(steady(2, [0] * 50), ahead=10)
    # 11 cases to take (its own included) at 2 a day: taken on the sixth day, today counted.
    assert (low, high) == (5, 5)


def test_time_after_taken_adds_and_spreads_the_range():
    durations = [3] * 50 + [10] * 30 + [20] * 20  # half within 3 days, 80 % within 10
    low, high = offsets_in_queue(steady(2, durations), ahead=10)
    assert (low, high) == (5 + 3, 5 + 10)


def test_noisy_throughput_widens_the_range_around_the_same_middle():
    calm = steady(4, [0] * 50)
    days = [
        TODAY - dt.timedelta(days=d) for d in range(1, 57) for _i in range(8 if d % 14 < 7 else 0)
    ]
    noisy = history_build(TODAY, days, [0] * 50)
    assert calm.per_day == noisy.per_day == 4
    calm_range = offsets_in_queue(calm, ahead=199)
    noisy_range = offsets_in_queue(noisy, ahead=199)
    assert calm_range[0] - 1 <= noisy_range[0] <= calm_range[0] + 1
    assert noisy_range[1] > calm_range[1]


def test_cases_that_pass_others_slow_the_queue_down():
    plain = steady(2, [0] * 50)
    passed = History(plain.today, plain.weekly, plain.after_taken, overtaking=0.5)
    # Half the takes pass it: one a day moves it, 11 days to take the eleventh.
    assert offsets_in_queue(plain, ahead=10)[0] == 5
    assert offsets_in_queue(passed, ahead=10)[0] == 10


def test_overtaking_is_the_share_of_takes_that_passed_an_earlier_case():
    # (taken, received): those received at 2 and 3 were taken before the one received at 1.
    takes = [(10, 2), (11, 3), (12, 1), (13, 4)]
    assert overtaking_share(takes, oldest_waiting=None) == 0.5
    # The oldest case still waiting was received at 0: every take passed it.
    assert overtaking_share(takes, oldest_waiting=0) == 1.0
    assert overtaking_share([], oldest_waiting=None) == 0.0


def test_a_taken_case_gets_the_rest_of_the_time_cases_took_after_being_taken():
    durations = list(range(1, 21)) * 5  # 1..20 days, evenly
    assert offsets_taken(steady(2, durations), elapsed=0) == (10, 16)
    # Ten days in: the cases that took at least ten days, less the ten.
    assert offsets_taken(steady(2, durations), elapsed=10) == (5, 8)


def test_past_every_duration_seen_the_date_is_soon_but_never_before_today():
    low, high = offsets_taken(steady(2, [7] * 50), elapsed=30)
    assert 0 <= low <= high
    assert high <= 5


def test_history_counts_the_eight_weeks_before_today_only():
    days = [TODAY, TODAY - dt.timedelta(days=1), TODAY - dt.timedelta(days=56)]
    days += [TODAY - dt.timedelta(days=57)]
    history = history_build(TODAY, days, [1, -1, 2])
    assert history.decisions == 2  # today's and the 57th day back are outside
    assert history.weekly[0] == 1
    assert history.weekly[-1] == 1
    assert history.after_taken == (1, 2)  # a negative duration (bad data) is dropped


# --- the live queue ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_live_queue_ten_ahead_two_decisions_a_day(
    open_case, case_types, django_assert_num_queries
):
    decided_history(case_types["residence-permit-extension"], per_day=2, after_taken=0)
    for minutes in range(10):
        open_case(received_at=NOW - dt.timedelta(minutes=60 - minutes))
    mine = open_case(received_at=NOW)
    open_case(received_at=NOW + dt.timedelta(minutes=1), now=NOW + dt.timedelta(minutes=1))
    found = case_forecast(mine, now=NOW)
    assert found is not None
    assert (found.basis, found.ahead, found.p50, found.p80) == (
        Basis.QUEUE,
        10,
        TODAY + dt.timedelta(days=5),
        TODAY + dt.timedelta(days=5),
    )
    assert found.per_week == 14
    # With the type's figures of the day cached: one COUNT, whatever the number of cases.
    with django_assert_num_queries(1):
        case_forecast(mine, now=NOW, events=[])


@pytest.mark.django_db
def test_an_urgent_case_is_ahead_of_older_ones(open_case, case_types):
    decided_history(case_types["residence-permit-extension"], per_day=2, after_taken=0)
    older = [open_case(received_at=NOW - dt.timedelta(hours=h)) for h in (3, 2)]
    urgent = open_case(received_at=NOW)
    Case.objects.filter(pk=urgent.pk).update(urgency=500)
    urgent.refresh_from_db()
    found = case_forecast(urgent, now=NOW)
    assert found is not None
    assert found.ahead == 0
    assert case_forecast(older[1], now=NOW).ahead == 2  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_date_moves_by_every_day_the_case_waits_for_the_applicant(
    open_case, case_types, caseworker
):
    decided_history(case_types["residence-permit-extension"], per_day=2, after_taken=7)
    worker = caseworker()
    case = open_case()
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    assert taken.pk == case.pk
    in_review = case_forecast(taken, now=NOW)
    assert in_review is not None
    assert (in_review.ahead, in_review.p50) == (None, TODAY + dt.timedelta(days=7))
    asked = NOW + dt.timedelta(days=2)
    lifecycle.case_transition(
        case=taken,
        target=CaseStatus.WAITING_APPLICANT,
        reason="Pass photo",
        actor=worker,
        now=asked,
    )
    taken.refresh_from_db()
    first = case_forecast(taken, now=asked)
    later = case_forecast(taken, now=asked + dt.timedelta(days=10))
    assert first is not None
    assert later is not None
    assert first.waiting
    assert later.waiting
    assert first.p50 == TODAY + dt.timedelta(days=7)
    assert later.p50 == first.p50 + dt.timedelta(days=10)


@pytest.mark.django_db
def test_no_history_falls_back_to_the_service_norm(open_case, case_types):
    case = open_case("blue-card")
    found = case_forecast(case, now=NOW)
    assert found is not None
    assert found.basis == Basis.NORM
    assert found.p50 == found.p80 == TODAY + dt.timedelta(days=case_types["blue-card"].norm_days)
    assert not found.norm_passed
    # Long past the norm: today, never a day gone by.
    late = NOW + dt.timedelta(days=60)
    found = case_forecast(case, now=late)
    assert found is not None
    assert found.norm_passed
    assert found.p50 == TODAY + dt.timedelta(days=60)


@pytest.mark.django_db
def test_a_decided_case_has_no_forecast(open_case, case_types, caseworker):
    worker = caseworker()
    open_case()
    taken = pool.case_next(actor=worker, now=NOW)
    assert taken is not None
    lifecycle.case_decide(
        case=taken, outcome=Outcome.REJECTED, reasons="Not entitled.", actor=worker, now=NOW
    )
    taken.refresh_from_db()
    assert case_forecast(taken, now=NOW) is None


@pytest.mark.django_db
def test_the_figures_of_a_type_are_computed_once_a_day(
    open_case, case_types, django_assert_num_queries
):
    decided_history(case_types["residence-permit-extension"], per_day=1, after_taken=2)
    type_id = case_types["residence-permit-extension"].pk
    with django_assert_num_queries(2):
        first = forecast.history_of(type_id, TODAY)
    with django_assert_num_queries(0):
        assert forecast.history_of(type_id, TODAY) == first
    assert first.usable
    assert first.after_taken == (2,) * 56


# --- calibration ---------------------------------------------------------------------------------


def test_on_a_simulated_year_half_are_decided_by_the_first_date_and_80_percent_by_the_second():
    outcome = simulate(SCENARIOS["small"], seed=3)
    assert outcome.cases > 300
    assert 0.40 <= outcome.by_p50 <= 0.60
    assert 0.70 <= outcome.by_p80 <= 0.90
    assert 0.40 <= outcome.taken_by_p50 <= 0.60


@pytest.mark.django_db
def test_the_position_is_the_pools_order_of_next_case(open_case, caseworker):
    from django.db.models import Q

    from hamburg_service.cases.models import POOL_CONDITION

    cases = [open_case(received_at=NOW - dt.timedelta(minutes=m)) for m in (50, 40, 30, 20, 10)]
    for case, urgency in zip(cases, (5, 9, 5, 9, 0), strict=True):
        Case.objects.filter(pk=case.pk).update(urgency=urgency)
    Case.objects.filter(pk=cases[1].pk).update(received_at=cases[3].received_at)  # a tie
    taken = pool.case_next(actor=caseworker(), now=NOW)  # the first in the pool leaves it
    assert taken is not None
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        expected = (
            Case.objects.filter(POOL_CONDITION, case_type_id=case.case_type_id)
            .filter(
                Q(urgency__gt=case.urgency)
                | Q(urgency=case.urgency, received_at__lt=case.received_at)
                | Q(urgency=case.urgency, received_at=case.received_at, pk__lt=case.pk)
            )
            .count()
        )
        assert forecast.position_of(case) == expected
    order = list(Case.objects.filter(POOL_CONDITION).order_by("-urgency", "received_at", "pk"))
    assert [forecast.position_of(c) for c in order] == list(range(len(order)))


def test_a_queue_where_every_take_passed_someone_still_gives_dates():
    """One stale case left in the pool makes every recent take an overtaking one: the
    forecast still answers (it divided by zero and the status page failed)."""
    import datetime as dt

    from hamburg_service.cases.forecast import History, offsets_in_queue

    low, high = offsets_in_queue(History(dt.date(2026, 3, 2), (10,) * 8, (5,) * 20, 1.0), 3)
    assert 0 <= low <= high
