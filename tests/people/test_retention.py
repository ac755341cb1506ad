"""Retention of the person record: people who moved away or died are deleted five years after
the end of that year, with everything of theirs; how many survives as daily counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hamburg_service.core.models import DailyFact, RetentionRun
from hamburg_service.people import jobs
from hamburg_service.people.models import Person, PersonEvent, Residence
from hamburg_service.people.services import identity, merging, residences

from .conftest import HOME, NOW, person_input

BERLIN = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def left_on(clerk, family_name: str, day: dt.date) -> Person:
    person = identity.person_create(data=person_input(family_name=family_name), actor=clerk).person
    residences.residence_register(
        person=person, address=HOME, moved_in_on=dt.date(2010, 1, 1), actor=clerk
    )
    residences.residence_deregister(person=person, moved_out_on=day, actor=clerk)
    return person


def test_people_who_left_or_died_go_after_five_years_and_leave_counts(clerk):
    gone = left_on(clerk, "Alt", dt.date(2019, 6, 30))
    recent = left_on(clerk, "Neu", dt.date(2021, 2, 1))
    died = identity.person_create(data=person_input(family_name="Tot"), actor=clerk).person
    identity.person_death_record(person=died, died_on=dt.date(2018, 3, 1), actor=clerk)
    twin = identity.person_create(
        data=person_input(family_name="Alt", given_names="Anna"), actor=clerk
    ).person
    merging.person_merge(duplicate=twin, survivor=gone, reason="dieselbe", actor=clerk)
    resident = identity.person_create(data=person_input(family_name="Hier"), actor=clerk).person
    in_2026 = dt.datetime(2026, 1, 2, 4, 0, tzinfo=BERLIN)
    assert jobs.retention(in_2026) == 2
    assert set(Person.objects.values_list("pk", flat=True)) == {recent.pk, resident.pk}
    assert not Residence.objects.filter(person_id__in=[gone.pk, died.pk]).exists()
    assert not PersonEvent.objects.filter(person_id__in=[gone.pk, died.pk, twin.pk]).exists()
    facts = set(DailyFact.objects.values_list("day", "name", "dimension", "count"))
    assert facts == {
        (dt.date(2019, 6, 30), "people.records_ended", "moved_away", 1),
        (dt.date(2018, 3, 1), "people.records_ended", "deceased", 1),
    }
    run = RetentionRun.objects.get(rule="people.left_or_died")
    assert run.count == 2
    assert jobs.retention(in_2026) == 0
