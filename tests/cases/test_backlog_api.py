"""The backlog for leads and managers (page and API, the same figures) and the cases API:
open, read (logged), move, next, pool — with the workstation's access rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.cases.backlog import backlog_for
from hamburg_service.cases.models import Case, CaseEvent, Skill, Team
from hamburg_service.cases.services import pool
from hamburg_service.core.actors import Actor

pytestmark = pytest.mark.django_db


def test_the_backlog_counts_status_age_norm_risk_team_and_caseworker(
    open_case, caseworker, make_staff
):
    now = timezone.now()
    worker = caseworker()
    team = Team.objects.create(name="Team Aufenthalt 1", agency="immigration")
    team.members.add(worker.user)
    open_case(received_at=now - dt.timedelta(days=3), now=now)
    open_case(received_at=now - dt.timedelta(days=50), now=now)  # over the 42-day norm
    old = open_case("blue-card", received_at=now - dt.timedelta(days=89), now=now)
    pool.case_assign(
        case=old, user_id=worker.user_id, actor=Actor.staff(make_staff(Role.TEAM_LEAD)), now=now
    )
    open_case("dog-registration", received_at=now - dt.timedelta(days=1), now=now)
    manager = Actor.staff(make_staff(Role.MANAGER))
    figures = backlog_for(actor=manager, now=now + dt.timedelta(days=5))
    by_type = {t.slug: t for t in figures.types}
    extension = by_type["residence-permit-extension"]
    assert extension.open == 2
    assert extension.by_status == {"received": 2}
    assert extension.in_pool == 2
    assert extension.over_norm == 1
    assert extension.ages == {
        "under_2_weeks": 1,
        "2_to_4_weeks": 0,
        "1_to_2_months": 1,
        "2_to_3_months": 0,
        "over_3_months": 0,
    }
    blue = by_type["blue-card"]
    assert (blue.open, blue.in_pool, blue.at_risk) == (1, 0, 1)  # 94 days: over 3 months
    assert by_type["dog-registration"].open == 1
    assert figures.total == 4
    assert [(t.name, t.open, t.at_risk) for t in figures.teams] == [("Team Aufenthalt 1", 1, 1)]
    assert [(c.open, c.at_risk) for c in figures.caseworkers] == [(1, 1)]


def test_a_lead_sees_the_backlog_page_and_api_alike_and_others_do_not(client_as, open_case):
    open_case()
    lead = client_as(Role.TEAM_LEAD)
    page = lead.get("/staff/cases/backlog/")
    assert page.status_code == 200
    answer = lead.get("/api/v1/cases/backlog")
    assert answer.status_code == 200
    types = {t["slug"]: t for t in answer.json()["types"]}
    assert types["residence-permit-extension"]["open"] == 1
    for role in (Role.CLERK, Role.CASEWORKER_IMMIGRATION, Role.DATA_PROTECTION):
        client = client_as(role)
        assert client.get("/staff/cases/backlog/").status_code == 403
        assert client.get("/api/v1/cases/backlog").status_code == 403


def test_the_api_opens_reads_moves_and_takes_cases(make_staff, case_types):
    desk = Client()
    desk.force_login(make_staff(Role.FRONT_DESK))
    opened = desk.post(
        "/api/v1/cases",
        {
            "case_type": "blue-card",
            "applicant_name": "Priya Raghunathan",
            "channel": "post",
            "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    reference = body["case"]["reference"]
    assert len(body["secret"]) == 10
    bad = desk.post(
        "/api/v1/cases",
        {
            "case_type": "blue-card",
            "applicant_name": "X",
            "channel": "post",
            "received_on": "2099-01-01",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert Case.objects.count() == 1

    user = make_staff(Role.CASEWORKER_IMMIGRATION)
    Skill.objects.create(user=user, case_type=case_types["blue-card"])
    worker = Client()
    worker.force_login(user)
    pool_answer = worker.get("/api/v1/cases/pool")
    assert pool_answer.json()["count"] == 1
    assert "applicant_name" not in pool_answer.json()["cases"][0]
    taken = worker.post("/api/v1/cases/next")
    assert (taken.status_code, taken.json()["reference"]) == (200, reference)
    assert worker.post("/api/v1/cases/next").status_code == 204
    read = worker.get(f"/api/v1/cases/{reference}")
    assert read.status_code == 200
    assert read.json()["applicant_name"] == "Priya Raghunathan"
    assert AccessLog.objects.filter(subject_type="case", subject_ref=reference).exists()
    refused = worker.post(
        f"/api/v1/cases/{reference}/status",
        {"status": "closed"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    events = CaseEvent.objects.count()
    moved = worker.post(
        f"/api/v1/cases/{reference}/status",
        {"status": "waiting_applicant", "reason": "Gehaltsnachweis fehlt"},
        content_type="application/json",
    )
    assert (moved.status_code, moved.json()["status"]) == (200, "waiting_applicant")
    assert CaseEvent.objects.count() == events + 1

    registration = Client()
    registration.force_login(make_staff(Role.CASEWORKER_REGISTRATION))
    hidden = registration.get(f"/api/v1/cases/{reference}")
    unknown = registration.get("/api/v1/cases/HS-2026-999999")
    assert hidden.status_code == unknown.status_code == 404
    assert {k: v for k, v in hidden.json().items() if k != "instance"} == {
        k: v for k, v in unknown.json().items() if k != "instance"
    }
