"""Retention of the person record and its logs:

- a person who moved away or died is deleted PEOPLE_RETENTION_YEARS (5) after the end of the
  year they left or died (§ 14 (1) BMG keeps them that long for the register's tasks; the
  50-year archive copy of § 14 (2) is not kept in this system) — with every row and event of
  theirs; how many left or died on which day survives as daily facts;
- register information requests (§ 44) are deleted by the end of the calendar year after they
  were made, like the access log (§ 40 (3) BMG).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from hamburg_service.catalog import hours
from hamburg_service.core.retention import facts_add, retention_report
from hamburg_service.people.models import Person, PersonStatus, RegisterInformationRequest

RULE_PEOPLE = "people.left_or_died"
RULE_INFORMATION = "people.register_information"


def people_retention(*, now: dt.datetime) -> int:
    """Delete the records whose time is up; returns how many."""
    year = now.astimezone(hours.BERLIN).year
    last_day = dt.date(year - settings.PEOPLE_RETENTION_YEARS, 1, 1) - dt.timedelta(days=1)
    before = hours.local_datetime(last_day + dt.timedelta(days=1), 0)
    with transaction.atomic():
        due = list(
            Person.objects.annotate(left_on=Max("residences__moved_out_on"))
            .filter(
                Q(status=PersonStatus.DECEASED, deceased_on__lte=last_day)
                | Q(status=PersonStatus.MOVED_AWAY, left_on__lte=last_day),
                merged_into__isnull=True,
            )
            .values_list("pk", "status", "deceased_on", "left_on")
        )
        tally: Tally[tuple[dt.date, str]] = Tally()
        for _pk, status, deceased_on, left_on in due:
            day = deceased_on if status == PersonStatus.DECEASED else left_on
            tally[(day or last_day, status)] += 1
        facts_add("people.records_ended", tally)
        # Records merged into them are the same people: they go too.
        ids = [pk for pk, *_rest in due]
        doomed, step = set(ids), ids
        while step:
            step = list(
                Person.objects.filter(merged_into__in=step)
                .exclude(pk__in=doomed)
                .values_list("pk", flat=True)
            )
            doomed.update(step)
        Person.objects.filter(pk__in=doomed).update(merged_into=None)
        Person.objects.filter(pk__in=doomed).delete()
        count = retention_report(rule=RULE_PEOPLE, before=before, count=len(ids), at=now)
    return count


def register_information_retention(*, now: dt.datetime) -> int:
    year = now.astimezone(hours.BERLIN).year
    before = hours.local_datetime(dt.date(year - 1, 1, 1), 0)
    with transaction.atomic():
        deleted, _by_model = RegisterInformationRequest.objects.filter(at__lt=before).delete()
        return retention_report(rule=RULE_INFORMATION, before=before, count=deleted, at=now)
