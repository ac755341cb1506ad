"""The access log (§ 40 BMG): read by the data protection officer only, on its own page, and
deleted by the end of the calendar year after the one it was written in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hamburg_service.accounts import jobs
from hamburg_service.accounts.access import access_record
from hamburg_service.accounts.audit import PAGE_SIZE, access_log_expire
from hamburg_service.accounts.models import AccessLog, AccessLogSubject, AccessPurpose, Role
from hamburg_service.core.scheduler import jobs as scheduled
from tests.support.db import unchanged

BERLIN = dt.timezone(dt.timedelta(hours=1))


def _entry(actor, *, at=None, persons=(), purpose=AccessPurpose.PERSON_TICKET):
    return access_record(
        actor=actor,
        subject_type="person",
        subject_ref=f"person:{persons[0]}" if persons else "list",
        purpose=purpose,
        persons=persons,
        at=at,
    )


@pytest.mark.django_db
def test_only_the_data_protection_officer_reads_the_log_and_filters_it(client_as, make_staff):
    clerk = make_staff(Role.CLERK)
    other = make_staff(Role.CASEWORKER_IMMIGRATION)
    _entry(clerk, persons=[7])
    _entry(other, persons=[8, 7], purpose=AccessPurpose.PERSON_CASE)
    _entry(other, persons=[9])
    officer = client_as(Role.DATA_PROTECTION)
    page = officer.get("/staff/access-log/").content.decode()
    assert page.count("<tr><td>") == 3
    about_seven = officer.get("/staff/access-log/", {"person": 7}).content.decode()
    assert about_seven.count("<tr><td>") == 2
    by_clerk = officer.get("/staff/access-log/", {"staff": clerk.username}).content.decode()
    assert by_clerk.count("<tr><td>") == 1
    bad = officer.get("/staff/access-log/", {"first_day": "2026-02-30"})
    assert bad.status_code == 422
    for role in (Role.ADMINISTRATOR, Role.MANAGER, Role.CLERK, Role.CENTRAL_REGISTRATION):
        with unchanged(AccessLog):
            assert client_as(role).get("/staff/access-log/").status_code == 403


@pytest.mark.django_db
def test_a_page_of_the_log_costs_the_same_queries_however_long_the_log(client_as, make_staff):
    clerk = make_staff(Role.CLERK)
    officer = client_as(Role.DATA_PROTECTION)
    officer.get("/staff/access-log/")  # the session and user are loaded once
    counts = []
    for _round in range(2):
        for n in range(PAGE_SIZE + 5):
            _entry(clerk, persons=[n + 1, n + 2])
        with CaptureQueriesContext(connection) as queries:
            page = officer.get("/staff/access-log/").content.decode()
        counts.append(len(queries))
        assert page.count("<tr><td>") == PAGE_SIZE
        assert "before=" in page  # older entries are a page away
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_entries_are_deleted_by_the_end_of_the_following_calendar_year(make_staff):
    clerk = make_staff(Role.CLERK)
    old = _entry(clerk, at=dt.datetime(2024, 12, 31, 23, 59, tzinfo=BERLIN), persons=[1])
    kept = _entry(clerk, at=dt.datetime(2025, 1, 1, 0, 0, tzinfo=BERLIN), persons=[2])
    assert access_log_expire(now=dt.datetime(2025, 12, 31, 22, 0, tzinfo=dt.UTC)) == 0
    assert access_log_expire(now=dt.datetime(2026, 1, 1, 9, 0, tzinfo=BERLIN)) == 1
    assert list(AccessLog.objects.all()) == [kept]
    assert not AccessLogSubject.objects.filter(log_id=old.pk).exists()
    assert "accounts.access_log_retention" in {j.name for j in scheduled()}
    assert jobs.access_log_retention(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)) == 0
