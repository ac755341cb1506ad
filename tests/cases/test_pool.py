"""The city-wide pool: "next case" takes the most urgent case the caseworker is skilled and
entitled for, no channel jumps the queue, two caseworkers never get the same case (real
threads, SQLite and PostgreSQL), team leads assign and see the load."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from hamburg_service.accounts.models import Role
from hamburg_service.cases.models import Case, CaseEvent, CaseStatus
from hamburg_service.cases.selectors import pool_page, worker_loads
from hamburg_service.cases.services import pool
from hamburg_service.cases.services.common import clock_now
from hamburg_service.cases.urgency import urgency_of
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import AppError, Conflict, InvalidInput, NotFound

from .conftest import NOW


@pytest.mark.django_db
def test_next_case_takes_the_most_urgent_and_then_the_oldest(open_case, caseworker):
    worker = caseworker()
    recent = open_case(received_at=NOW - dt.timedelta(days=1))
    old = open_case(received_at=NOW - dt.timedelta(days=80))  # over the 42-day norm
    blue = open_case("blue-card", received_at=NOW - dt.timedelta(days=60))  # 30 days to 90
    taken = [pool.case_next(actor=worker, now=NOW) for _ in range(3)]
    assert [c.reference for c in taken if c] == [blue.reference, old.reference, recent.reference]
    assert pool.case_next(actor=worker, now=NOW) is None
    for case in taken:
        assert case is not None
        assert (case.assigned_to_id, case.status) == (worker.user_id, CaseStatus.IN_REVIEW)


@pytest.mark.django_db
def test_no_channel_jumps_the_queue(open_case, caseworker):
    """Three applications received the same moment by three channels score the same; the pool
    then goes by the order of receipt, whatever the channel."""
    cases = [
        open_case(channel=channel, received_at=NOW - dt.timedelta(days=30, minutes=i))
        for i, channel in enumerate(["online", "post", "counter"])
    ]
    assert len({c.urgency for c in cases}) == 1
    worker = caseworker()
    taken = [pool.case_next(actor=worker, now=NOW) for _ in cases]
    assert [c.channel for c in taken if c] == ["counter", "post", "online"]  # oldest first


@pytest.mark.django_db
def test_next_case_only_gives_types_the_caseworker_is_skilled_for(open_case, caseworker):
    open_case("blue-card")
    extension = open_case("residence-permit-extension")
    worker = caseworker(skills=["residence-permit-extension"])
    assert pool.case_next(actor=worker, now=NOW) == extension
    assert pool.case_next(actor=worker, now=NOW) is None


@pytest.mark.django_db
def test_next_case_without_skills_or_role_is_refused_and_takes_nothing(
    open_case, caseworker, make_staff
):
    case = open_case()
    unskilled = caseworker(skills=[])
    with pytest.raises(Conflict) as caught:
        pool.case_next(actor=unskilled, now=NOW)
    assert caught.value.code == "no-skills"
    with pytest.raises(NotFound):
        pool.case_next(actor=Actor.staff(make_staff(Role.CLERK)), now=NOW)
    case.refresh_from_db()
    assert case.assigned_to_id is None
    assert not CaseEvent.objects.filter(kind="assigned").exists()


@pytest.mark.django_db
def test_the_score_shows_its_parts(open_case):
    case = open_case("blue-card", received_at=NOW - dt.timedelta(days=70))
    urgency = urgency_of(clock_now(case, NOW), case.facts)
    parts = {p.key: p.points for p in urgency.parts}
    # 20 days left to 90: 3 × (60 − 20); 40 days over the 30-day norm: 2 × (30 + 40);
    # waiting 70 days: 35.
    assert parts == {"statutory": 120, "norm": 140, "waiting": 35}
    assert urgency.points == case.urgency == 295


@pytest.mark.django_db
def test_the_nightly_refresh_moves_every_undecided_case_to_the_new_day(open_case):
    young = open_case(received_at=NOW - dt.timedelta(days=1))
    assert young.urgency == 0
    assert pool.urgency_refresh_all(now=NOW + dt.timedelta(days=30)) == 1
    young.refresh_from_db()
    # 31 days: 11 days to the norm (2 × 19) and 15 points of waiting
    assert young.urgency == 2 * 19 + 15
    assert young.urgency_on == (NOW + dt.timedelta(days=30)).date()


@pytest.mark.django_db
def test_a_lead_assigns_only_to_a_skilled_caseworker_and_sees_the_load(
    open_case, caseworker, make_staff
):
    lead = Actor.staff(make_staff(Role.TEAM_LEAD))
    skilled = caseworker(skills=["blue-card"])
    other = caseworker(skills=["residence-permit"])
    case = open_case("blue-card")
    with pytest.raises(InvalidInput) as caught:
        pool.case_assign(case=case, user_id=other.user_id, actor=lead, now=NOW)
    assert caught.value.code == "worker-not-skilled"
    case.refresh_from_db()
    assert case.assigned_to_id is None
    with pytest.raises(AppError):  # a caseworker may not assign
        pool.case_assign(case=case, user_id=skilled.user_id, actor=other, now=NOW)
    pool.case_assign(case=case, user_id=skilled.user_id, actor=lead, now=NOW)
    case.refresh_from_db()
    assert case.assigned_to_id == skilled.user_id
    loads = {load.user_id: load for load in worker_loads(actor=lead, now=NOW)}
    assert loads[skilled.user_id].in_review == 1
    assert loads[other.user_id].in_review == 0
    pool.case_release(case=case, actor=skilled, reason="On leave", now=NOW)
    case.refresh_from_db()
    assert case.assigned_to_id is None


@pytest.mark.django_db
def test_the_pool_page_has_a_fixed_number_of_queries(
    open_case, caseworker, django_assert_num_queries
):
    worker = caseworker()
    for days in range(12):
        open_case(received_at=NOW - dt.timedelta(days=days))
    pool_page(actor=worker, now=NOW)  # the reader's roles, read once a request
    with django_assert_num_queries(2):  # the count and the page
        page, rows = pool_page(actor=worker, now=NOW)
        assert [r.case.case_type.name for r in rows]
    assert page.paginator.count == 12
    for days in range(12, 40):
        open_case(received_at=NOW - dt.timedelta(days=days))
    with django_assert_num_queries(2):
        page, rows = pool_page(actor=worker, now=NOW)
        assert [r.case.case_type.name for r in rows]
    assert len(rows) == 40


CASEWORKERS = 8


@pytest.mark.django_db(transaction=True)
def test_caseworkers_pressing_next_at_once_never_get_the_same_case(open_case, caseworker):
    for days in range(CASEWORKERS - 2):  # fewer cases than caseworkers
        open_case(received_at=NOW - dt.timedelta(days=days))
    workers = [caseworker() for _ in range(CASEWORKERS)]
    got: dict[int, str | None] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(CASEWORKERS)

    def press(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            case = pool.case_next(actor=workers[i], now=NOW)
            got[i] = case.reference if case else None
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(CASEWORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    taken = [ref for ref in got.values() if ref]
    assert len(taken) == CASEWORKERS - 2
    assert len(set(taken)) == len(taken)
    assert list(got.values()).count(None) == 2
    assigned = dict(Case.objects.values_list("reference", "assigned_to_id"))
    assert {assigned[ref] for ref in taken} == {workers[i].user_id for i, ref in got.items() if ref}
    assert CaseEvent.objects.filter(kind="assigned").count() == CASEWORKERS - 2
