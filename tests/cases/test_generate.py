"""The generator of the cases benchmark (`cases_generate`): the same seed gives the same cases,
every stored clock is what the events say, every move is one the case type allows — and the
pages the benchmark times read a fixed number of statements whatever the data (the caseworker's
list and the applicant's status page; the pool is pinned in test_pool.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hamburg_service.accounts.models import User
from hamburg_service.cases.clock import ClockEvent, clock_of
from hamburg_service.cases.generate import GenerateError, cases_generate
from hamburg_service.cases.models import (
    FINAL,
    UNDECIDED,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseSequence,
    CaseStatus,
    CaseTransition,
    DocumentRequest,
    Skill,
    Team,
)
from hamburg_service.cases.selectors import cases_mine
from hamburg_service.cases.services.lifecycle import secret_hash
from hamburg_service.cases.services.pool import POOL_STATUSES
from hamburg_service.cases.urgency import urgency_of
from hamburg_service.core.actors import Actor
from hamburg_service.people.checks import today_in_hamburg

pytestmark = pytest.mark.django_db

OPEN, CLOSED = 60, 140
TODAY = dt.date(2026, 3, 2)


def generate(
    seed: int = 1, today: dt.date = TODAY, open_count: int = OPEN, closed_count: int = CLOSED
) -> dict[str, Any]:
    return cases_generate(
        open_count=open_count, closed_count=closed_count, seed=seed, days=120, today=today
    )


def snapshot() -> list[tuple[Any, ...]]:
    """Everything generated, without database keys (they depend on the sequence)."""
    names = dict(User.objects.values_list("pk", "username"))
    cases = []
    for case in Case.objects.select_related("case_type").order_by("reference"):
        events = [
            (e.at, e.kind, names.get(e.actor_user_id), e.actor_name, _keyless(e.data))
            for e in case.events.order_by("at", "pk")
        ]
        cases.append(
            (
                case.reference,
                case.case_type.slug,
                case.applicant_name,
                case.applicant_email,
                case.channel,
                case.status,
                case.received_at,
                names.get(case.assigned_to_id),
                case.decided_on,
                case.outcome,
                case.closed_at,
                case.secret_hash,
                case.planned_on,
                case.urgency,
                case.facts,
                tuple(events),
            )
        )
    return cases


def _keyless(data: dict[str, Any]) -> dict[str, Any]:
    """Event data with user and request keys left out (they are database keys)."""
    return {
        k: v for k, v in data.items() if k not in ("to", "from", "request") or isinstance(v, str)
    }


def test_the_same_seed_gives_the_same_cases(case_types):
    report = generate(seed=1)
    assert (report["open"], report["closed"]) == (OPEN, CLOSED)
    assert Case.objects.count() == OPEN + CLOSED
    first = snapshot()
    with pytest.raises(GenerateError):
        generate(seed=1)  # a seed already generated is refused, nothing written
    assert Case.objects.count() == OPEN + CLOSED

    Case.objects.all().delete()
    User.objects.filter(username__startswith="gen1-").delete()
    Team.objects.all().delete()
    CaseSequence.objects.all().delete()
    generate(seed=1)
    assert snapshot() == first

    Case.objects.all().delete()
    CaseSequence.objects.all().delete()
    generate(seed=2)
    assert snapshot() != first


def test_every_stored_clock_is_what_the_events_say(case_types):
    report = generate()
    allowed = set(CaseTransition.objects.values_list("case_type_id", "source", "target"))
    skills = set(Skill.objects.values_list("user_id", "case_type_id"))
    cases = list(Case.objects.select_related("case_type").order_by("pk"))
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("at", "pk"):
        events.setdefault(event.case_id, []).append(event)
    received = sorted(cases, key=lambda c: c.received_at)
    assert [c.pk for c in received] == [c.pk for c in cases]  # keys in the order of receipt
    for case in cases:
        history = events[case.pk]
        assert (history[0].kind, history[0].at) == (CaseEventKind.RECEIVED, case.received_at)
        assert case.received_on == today_in_hamburg(case.received_at)
        assert all(a.at <= b.at for a, b in itertools.pairwise(history))
        assert today_in_hamburg(history[-1].at) < TODAY
        status = CaseStatus.RECEIVED
        for event in history:
            if event.kind == CaseEventKind.STATUS_CHANGED:
                assert event.data["from"] == status
                assert (case.case_type_id, status, event.data["to"]) in allowed
                status = event.data["to"]
        assert case.status == status
        decided = [e for e in history if e.kind == CaseEventKind.DECIDED]
        assert case.decided_on == (today_in_hamburg(decided[0].at) if decided else None)
        assert (case.closed_at is not None) == (case.status in FINAL)
        # The stored clock and urgency: what case_refresh computes at the last event (open
        # cases: today, as the nightly refresh does).
        clock = clock_of(
            case.case_type,
            received_on=case.received_on,
            events=[
                ClockEvent(today_in_hamburg(e.at), e.kind, (e.data or {}).get("to", ""))
                for e in history
                if e.kind in (CaseEventKind.STATUS_CHANGED, CaseEventKind.DECIDED)
            ],
            today=case.urgency_on,
        )
        assert (
            case.suspended_days,
            case.suspended_since,
            case.planned_on,
            case.statutory_due_on,
        ) == (clock.suspended_days, clock.suspended_since, clock.planned_on, clock.statutory_due_on)
        if case.status in UNDECIDED:
            assert case.urgency_on == TODAY
            assert case.urgency == urgency_of(clock, case.facts).points
        else:
            assert case.urgency == 0
            assert case.urgency_on == today_in_hamburg(history[-1].at)
        if case.assigned_to_id is not None:
            assert (case.assigned_to_id, case.case_type_id) in skills
        if case.status == CaseStatus.WAITING_APPLICANT:
            assert DocumentRequest.objects.filter(case=case, answered_at__isnull=True).exists()
    undecided = [c for c in cases if c.status in UNDECIDED]
    in_pool = [c for c in undecided if c.assigned_to_id is None and c.status in POOL_STATUSES]
    assert len(undecided) == report["open"] == OPEN
    assert len(in_pool) == OPEN - OPEN // 3  # a third with a caseworker
    assert any(c.facts for c in undecided)
    assert {c.status for c in cases} >= {
        CaseStatus.RECEIVED,
        CaseStatus.IN_REVIEW,
        CaseStatus.CLOSED,
        CaseStatus.REJECTED,
    }


def _queries(fn: Any) -> int:
    fn()  # warm: the reader's roles, the forecast's figures of the day
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_my_cases_read_the_same_statements_for_a_short_list_as_for_a_long_one(case_types):
    generate(today=timezone.localdate())
    loads = {}
    for user in User.objects.filter(username__startswith="gen1-cw-"):
        loads[user] = Case.objects.filter(assigned_to=user, status__in=UNDECIDED).count()
    light = min((u for u in loads if loads[u] > 0), key=loads.get)
    heavy = max(loads, key=loads.get)
    # A long list: the pool's cases to the busiest caseworker.
    moved = Case.objects.filter(assigned_to__isnull=True, status=CaseStatus.RECEIVED).update(
        assigned_to=heavy, status=CaseStatus.IN_REVIEW
    )
    assert moved >= 30
    loads[heavy] += moved
    counts = {}
    for user in (light, heavy):
        assert len(cases_mine(actor=Actor.staff(user))) == loads[user]
        counts[user, "selector"] = _queries(lambda u=user: cases_mine(actor=Actor.staff(u)))
        client = Client()
        client.force_login(user)
        counts[user, "page"] = _queries(lambda c=client: c.get("/staff/cases/"))
    assert counts[light, "selector"] == counts[heavy, "selector"] == 2  # the list, the log
    assert counts[light, "page"] == counts[heavy, "page"]


def test_the_status_page_reads_the_same_statements_whatever_the_history(case_types):
    generate(today=timezone.localdate())

    def longest_and_shortest(**condition: Any) -> list[Case]:
        found = sorted(Case.objects.filter(**condition), key=lambda c: c.events.count())
        assert len(found) >= 2
        return [found[0], found[-1]]

    groups = {
        "pool": longest_and_shortest(assigned_to__isnull=True, status__in=POOL_STATUSES),
        "with a caseworker": longest_and_shortest(
            assigned_to__isnull=False, status=CaseStatus.IN_REVIEW
        ),
        "closed": longest_and_shortest(status=CaseStatus.CLOSED),
    }
    counts: dict[str, set[int]] = {}
    for group, cases in groups.items():
        for case in cases:
            Case.objects.filter(pk=case.pk).update(secret_hash=secret_hash(case.reference, "K"))
            client = Client()
            answer = client.post("/case-status/", {"reference": case.reference, "secret": "K"})
            assert answer.status_code == 302
            page = client.get(answer["Location"])
            assert page.status_code == 200
            assert re.search(r"<h1", page.content.decode())
            counts.setdefault(group, set()).add(
                _queries(lambda c=client, p=answer["Location"]: c.get(p))
            )
    assert all(len(found) == 1 for found in counts.values()), counts


def test_the_pool_pages_are_the_pool_in_next_case_order_for_each_reader(case_types, make_staff):
    from hamburg_service.accounts.models import Role
    from hamburg_service.cases.selectors import pool_page

    generate(open_count=180, closed_count=40)  # 120 in the pool: three pages
    pool = Case.objects.filter(assigned_to__isnull=True, status__in=POOL_STATUSES).order_by(
        "-urgency", "received_at", "pk"
    )
    readers = {
        "both": (Actor.staff(make_staff(Role.TEAM_LEAD)), pool),
        "immigration": (
            Actor.staff(make_staff(Role.CASEWORKER_IMMIGRATION)),
            pool.filter(case_type__agency="immigration"),
        ),
        "residents": (
            Actor.staff(make_staff(Role.CASEWORKER_REGISTRATION)),
            pool.filter(case_type__agency="residents"),
        ),
    }
    for name, (actor, expected) in readers.items():
        want = [c.reference for c in expected]
        assert want, name
        got: list[str] = []
        page_number = 1
        while True:
            page, rows = pool_page(actor=actor, page=page_number, now=NOW_OF(TODAY))
            assert page.paginator.count == len(want), name
            got += [row.case.reference for row in rows]
            if not page.has_next():
                break
            page_number += 1
        assert got == want, name
        one = expected.first()
        assert one is not None
        _page, rows = pool_page(actor=actor, case_type=one.case_type, now=NOW_OF(TODAY))
        assert [r.case.reference for r in rows] == [
            c.reference for c in expected.filter(case_type=one.case_type)[:50]
        ]


def test_the_pool_api_reads_the_same_statements_on_every_page(case_types, make_staff):
    from hamburg_service.accounts.models import Role

    generate(today=timezone.localdate(), open_count=180, closed_count=40)
    client = Client()
    client.force_login(make_staff(Role.TEAM_LEAD))
    counts = {
        page: _queries(lambda p=page: client.get(f"/api/v1/cases/pool?page={p}"))
        for page in (1, 2, 3, 99)
    }
    assert len(set(counts.values())) == 1, counts
    answer = client.get("/api/v1/cases/pool?page=2").json()
    assert (answer["count"], answer["pages"], answer["page"]) == (120, 3, 2)
    assert len(answer["cases"]) == 50


def NOW_OF(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)
