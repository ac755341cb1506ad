"""Every write to the catalogue outside the admin: validated, in one transaction, recorded as
a catalogue event with its actor and time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import models, transaction
from django.utils import timezone

from hamburg_service.catalog import validation
from hamburg_service.catalog.models import (
    CatalogEventKind,
    Closure,
    Counter,
    Location,
    ScheduleRule,
    Service,
    WeeklySchedule,
)
from hamburg_service.catalog.validation import RuleInput
from hamburg_service.core.actors import Actor
from hamburg_service.core.events import event_record


def catalog_change_record(
    *,
    obj: models.Model,
    kind: CatalogEventKind,
    actor: Actor,
    summary: str = "",
    now: dt.datetime | None = None,
) -> None:
    """A catalogue event for `obj` (also used by the admin for its own changes)."""
    event_record(
        obj,
        kind=kind,
        actor=actor,
        at=now or timezone.now(),
        data={"summary": (summary or str(obj))[:300]},
    )


def schedule_create(
    *,
    location: Location,
    purpose: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    rules: Sequence[RuleInput],
    label: str = "",
    actor: Actor,
    now: dt.datetime | None = None,
) -> WeeklySchedule:
    """Add a weekly timetable (Öffnungszeiten) that takes over from `valid_from`."""
    validation.check_rules(rules)
    with transaction.atomic():
        validation.check_schedule_period(
            location=location, purpose=purpose, valid_from=valid_from, valid_until=valid_until
        )
        schedule = WeeklySchedule.objects.create(
            location=location,
            purpose=purpose,
            label=label,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        ScheduleRule.objects.bulk_create(
            ScheduleRule(schedule=schedule, weekday=r.weekday, opens=r.opens, closes=r.closes)
            for r in rules
        )
        catalog_change_record(
            obj=schedule, kind=CatalogEventKind.SCHEDULE_CREATED, actor=actor, now=now
        )
    return schedule


def schedule_delete(
    *, schedule: WeeklySchedule, actor: Actor, now: dt.datetime | None = None
) -> None:
    with transaction.atomic():
        catalog_change_record(
            obj=schedule, kind=CatalogEventKind.SCHEDULE_DELETED, actor=actor, now=now
        )
        schedule.delete()


def closure_create(
    *,
    location: Location,
    start_date: dt.date,
    end_date: dt.date,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    counters: Sequence[Counter] = (),
    reason_de: str = "",
    reason_en: str = "",
    actor: Actor,
    now: dt.datetime | None = None,
) -> Closure:
    """Close a location, or some of its counters, for a day, a range of days or some hours."""
    validation.check_closure(
        location=location,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        counters=counters,
    )
    with transaction.atomic():
        closure = Closure.objects.create(
            location=location,
            start_date=start_date,
            end_date=end_date,
            start_time=start_time,
            end_time=end_time,
            reason_de=reason_de,
            reason_en=reason_en,
        )
        closure.counters.set(counters)
        catalog_change_record(
            obj=closure, kind=CatalogEventKind.CLOSURE_CREATED, actor=actor, now=now
        )
    return closure


def closure_delete(*, closure: Closure, actor: Actor, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        catalog_change_record(
            obj=closure, kind=CatalogEventKind.CLOSURE_DELETED, actor=actor, now=now
        )
        closure.delete()


def counter_skills_set(
    *, counter: Counter, services: Sequence[Service], actor: Actor, now: dt.datetime | None = None
) -> Counter:
    """Set the services a counter can serve (only services its location offers)."""
    with transaction.atomic():
        validation.check_counter_services(location=counter.location, services=services)
        counter.services.set(services)
        catalog_change_record(
            obj=counter,
            kind=CatalogEventKind.COUNTER_SKILLS_SET,
            actor=actor,
            summary=", ".join(sorted(s.slug for s in services)),
            now=now,
        )
    return counter


def service_locations_set(
    *,
    service: Service,
    locations: Sequence[Location],
    actor: Actor,
    now: dt.datetime | None = None,
) -> Service:
    """Set where a service is offered (only at locations whose kind serves its agency)."""
    validation.check_service_locations(service_agency=service.agency, locations=locations)
    with transaction.atomic():
        validation.check_offer_removal(service=service, locations=locations)
        service.locations.set(locations)
        catalog_change_record(
            obj=service,
            kind=CatalogEventKind.SERVICE_LOCATIONS_SET,
            actor=actor,
            summary=", ".join(sorted(loc.slug for loc in locations)),
            now=now,
        )
    return service
