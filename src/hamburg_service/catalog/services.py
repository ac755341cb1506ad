"""Every write to the catalogue outside the admin: validated, in one transaction, recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from hamburg_service.catalog import validation
from hamburg_service.catalog.models import (
    CatalogEvent,
    Closure,
    Counter,
    Location,
    ScheduleRule,
    Service,
    WeeklySchedule,
)
from hamburg_service.catalog.validation import RuleInput


def catalog_event_record(*, actor: Any, action: str, obj: Any, summary: str = "") -> CatalogEvent:
    return CatalogEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        summary=summary[:300],
    )


def schedule_create(
    *,
    location: Location,
    purpose: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    rules: Sequence[RuleInput],
    label: str = "",
    by: Any,
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
        catalog_event_record(
            actor=by, action="schedule_created", obj=schedule, summary=str(schedule)
        )
    return schedule


def schedule_delete(*, schedule: WeeklySchedule, by: Any) -> None:
    with transaction.atomic():
        catalog_event_record(
            actor=by, action="schedule_deleted", obj=schedule, summary=str(schedule)
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
    by: Any,
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
        catalog_event_record(actor=by, action="closure_created", obj=closure, summary=str(closure))
    return closure


def closure_delete(*, closure: Closure, by: Any) -> None:
    with transaction.atomic():
        catalog_event_record(actor=by, action="closure_deleted", obj=closure, summary=str(closure))
        closure.delete()


def counter_skills_set(*, counter: Counter, services: Sequence[Service], by: Any) -> Counter:
    """Set the services a counter can serve (only services its location offers)."""
    with transaction.atomic():
        validation.check_counter_services(location=counter.location, services=services)
        counter.services.set(services)
        catalog_event_record(
            actor=by,
            action="counter_skills_set",
            obj=counter,
            summary=", ".join(sorted(s.slug for s in services)),
        )
    return counter


def service_locations_set(*, service: Service, locations: Sequence[Location], by: Any) -> Service:
    """Set where a service is offered (only at locations whose kind serves its agency)."""
    validation.check_service_locations(service_agency=service.agency, locations=locations)
    with transaction.atomic():
        validation.check_offer_removal(service=service, locations=locations)
        service.locations.set(locations)
        catalog_event_record(
            actor=by,
            action="service_locations_set",
            obj=service,
            summary=", ".join(sorted(loc.slug for loc in locations)),
        )
    return service
