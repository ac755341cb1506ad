"""The clock of a case, from its events alone: gross and net days, suspension only where the
case type allows it, the planned decision date, the statutory period and § 75 VwGO."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.cases.clock import ClockEvent, clock_of, months_after
from hamburg_service.cases.models import CaseStatus, CaseType

D = dt.date
S = CaseStatus


def a_type(**fields: object) -> CaseType:
    values: dict[str, object] = {
        "norm_days": 42,
        "statutory_days": 90,
        "suspends_for_applicant": True,
        "suspends_for_authority": False,
    }
    values.update(fields)
    return CaseType(**values)


def moved(on: dt.date, to: str) -> ClockEvent:
    return ClockEvent(on, "status_changed", to)


def test_a_case_never_waiting_has_gross_equal_net_and_the_norm_from_receipt():
    clock = clock_of(a_type(), received_on=D(2026, 1, 5), events=[], today=D(2026, 1, 25))
    assert (clock.gross_days, clock.suspended_days, clock.net_days) == (20, 0, 20)
    assert clock.planned_on == D(2026, 2, 16)  # 5 January + 42 days
    assert clock.statutory_due_on == D(2026, 4, 5)  # + 90 days
    assert clock.norm_days_left == 22
    assert clock.statutory_days_left == 70
    assert not clock.at_risk


def test_waiting_for_the_applicant_suspends_and_moves_both_dates():
    events = [
        moved(D(2026, 1, 6), S.IN_REVIEW),
        moved(D(2026, 1, 10), S.WAITING_APPLICANT),
        moved(D(2026, 1, 24), S.IN_REVIEW),  # 14 days waiting
    ]
    clock = clock_of(a_type(), received_on=D(2026, 1, 5), events=events, today=D(2026, 2, 1))
    assert (clock.gross_days, clock.suspended_days, clock.net_days) == (27, 14, 13)
    assert clock.planned_on == D(2026, 2, 16) + dt.timedelta(days=14)
    assert clock.statutory_due_on == D(2026, 4, 5) + dt.timedelta(days=14)
    assert clock.suspended_since is None


def test_a_wait_still_running_counts_up_to_today():
    events = [moved(D(2026, 1, 10), S.WAITING_APPLICANT)]
    clock = clock_of(a_type(), received_on=D(2026, 1, 5), events=events, today=D(2026, 1, 20))
    assert clock.suspended_days == 10
    assert clock.suspended_since == D(2026, 1, 10)
    assert clock.net_days == 5


def test_waiting_for_an_authority_suspends_only_where_the_type_allows_it():
    events = [moved(D(2026, 1, 10), S.WAITING_AUTHORITY), moved(D(2026, 1, 30), S.IN_REVIEW)]
    plain = clock_of(a_type(), received_on=D(2026, 1, 5), events=events, today=D(2026, 2, 5))
    allowed = clock_of(
        a_type(suspends_for_authority=True),
        received_on=D(2026, 1, 5),
        events=events,
        today=D(2026, 2, 5),
    )
    assert plain.suspended_days == 0
    assert allowed.suspended_days == 20


def test_one_wait_after_another_counts_both_and_a_switch_between_them_is_seamless():
    events = [
        moved(D(2026, 1, 10), S.WAITING_APPLICANT),
        moved(D(2026, 1, 15), S.WAITING_AUTHORITY),  # straight on: 5 + 10
        moved(D(2026, 1, 25), S.IN_REVIEW),
        moved(D(2026, 2, 1), S.WAITING_APPLICANT),
        moved(D(2026, 2, 4), S.IN_REVIEW),  # 3 more
    ]
    clock = clock_of(
        a_type(suspends_for_authority=True),
        received_on=D(2026, 1, 5),
        events=events,
        today=D(2026, 2, 10),
    )
    assert clock.suspended_days == 18


def test_the_clock_stops_at_the_decision():
    events = [
        moved(D(2026, 1, 10), S.WAITING_APPLICANT),
        moved(D(2026, 1, 20), S.IN_REVIEW),
        moved(D(2026, 2, 2), S.DECIDED),
        ClockEvent(D(2026, 2, 2), "decided"),
        moved(D(2026, 2, 10), S.IN_PRODUCTION),
    ]
    clock = clock_of(a_type(), received_on=D(2026, 1, 5), events=events, today=D(2026, 6, 1))
    assert clock.decided_on == D(2026, 2, 2)
    assert (clock.gross_days, clock.suspended_days, clock.net_days) == (28, 10, 18)
    assert not clock.at_risk  # decided: no failure to act, however long ago


def test_events_after_today_do_not_count_yet():
    events = [moved(D(2026, 1, 10), S.WAITING_APPLICANT), moved(D(2026, 1, 30), S.IN_REVIEW)]
    clock = clock_of(a_type(), received_on=D(2026, 1, 5), events=events, today=D(2026, 1, 20))
    assert clock.suspended_days == 10


def test_no_statutory_period_means_no_statutory_date():
    clock = clock_of(
        a_type(statutory_days=None), received_on=D(2026, 1, 5), events=[], today=D(2026, 1, 6)
    )
    assert clock.statutory_due_on is None
    assert clock.statutory_days_left is None


@pytest.mark.parametrize(
    ("received", "today", "at_risk"),
    [
        (D(2026, 1, 5), D(2026, 4, 4), False),  # the day before three months are over
        (D(2026, 1, 5), D(2026, 4, 5), True),
        (D(2025, 11, 30), D(2026, 2, 27), False),
        (D(2025, 11, 30), D(2026, 2, 28), True),  # no 30 February: the month's last day
    ],
)
def test_three_months_undecided_is_at_risk_of_a_failure_to_act_action(received, today, at_risk):
    clock = clock_of(a_type(), received_on=received, events=[], today=today)
    assert clock.at_risk is at_risk


def test_months_after_keeps_the_day_or_takes_the_months_last():
    assert months_after(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert months_after(D(2024, 11, 30), 3) == D(2025, 2, 28)
    assert months_after(D(2023, 11, 29), 3) == D(2024, 2, 29)
    assert months_after(D(2026, 10, 15), 3) == D(2027, 1, 15)
