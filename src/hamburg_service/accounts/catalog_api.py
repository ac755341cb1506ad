"""Staff API of the catalogue: timetables, closures, counters and where services are offered.

It lives here, not in `catalog`, because it needs the access layer and the catalogue sits below
it (docs/architecture.md). Reads and writes go through catalog.selectors and catalog.services.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from ninja.security import django_auth

from hamburg_service.accounts.access import actor_of, location_for, require
from hamburg_service.accounts.permissions import CatalogPerm
from hamburg_service.catalog import selectors, services
from hamburg_service.catalog.models import Purpose
from hamburg_service.catalog.schemas import (
    ClosureIn,
    ClosureOut,
    CounterOut,
    ScheduleIn,
    ScheduleOut,
    ServiceOut,
    SlugsIn,
)
from hamburg_service.catalog.validation import RuleInput
from hamburg_service.core.api_schemas import RowId, answers

router = Router(tags=["catalogue (staff)"], auth=django_auth)


@router.get(
    "/locations/{slug}/schedules",
    response=answers({200: list[ScheduleOut]}, 401, 403, 404),
    summary="Weekly timetables of a location (staff)",
)
def schedules_list(request: HttpRequest, slug: str) -> Any:
    location = location_for(request.user, slug, CatalogPerm.LOCATION_VIEW)
    return location.schedules.select_related("location").prefetch_related("rules")


@router.post(
    "/locations/{slug}/schedules",
    response=answers({201: ScheduleOut}, 401, 403, 404, 422),
    summary="Add a weekly timetable (administrators)",
)
def schedule_create(request: HttpRequest, slug: str, payload: ScheduleIn) -> Status[Any]:
    location = location_for(request.user, slug, CatalogPerm.MANAGE)
    schedule = services.schedule_create(
        location=location,
        purpose=Purpose(payload.purpose),
        label=payload.label,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        rules=[RuleInput(r.weekday, r.opens, r.closes) for r in payload.rules],
        actor=actor_of(request),
    )
    return Status(201, schedule)


@router.delete(
    "/schedules/{schedule_id}",
    response=answers({204: None}, 401, 403, 404),
    summary="Remove a weekly timetable (administrators)",
)
def schedule_delete(request: HttpRequest, schedule_id: RowId) -> Status[None]:
    schedule = selectors.schedule_by_id(schedule_id=schedule_id)
    require(request.user, CatalogPerm.MANAGE, schedule.location)
    services.schedule_delete(schedule=schedule, actor=actor_of(request))
    return Status(204, None)


@router.post(
    "/locations/{slug}/closures",
    response=answers({201: ClosureOut}, 401, 403, 404, 422),
    summary="Close a location or some counters (location leads, administrators)",
)
def closure_create(request: HttpRequest, slug: str, payload: ClosureIn) -> Status[Any]:
    location = location_for(request.user, slug, CatalogPerm.CLOSURE_MANAGE)
    closure = services.closure_create(
        location=location,
        start_date=payload.start_date,
        end_date=payload.end_date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        counters=selectors.counters_named(
            location=location, names=payload.counters, field="counters"
        ),
        reason_de=payload.reason_de,
        reason_en=payload.reason_en,
        actor=actor_of(request),
    )
    return Status(201, closure)


@router.delete(
    "/closures/{closure_id}",
    response=answers({204: None}, 401, 403, 404),
    summary="Remove a closure (location leads, administrators)",
)
def closure_delete(request: HttpRequest, closure_id: RowId) -> Status[None]:
    closure = selectors.closure_by_id(closure_id=closure_id)
    require(request.user, CatalogPerm.CLOSURE_MANAGE, closure.location)
    services.closure_delete(closure=closure, actor=actor_of(request))
    return Status(204, None)


@router.get(
    "/locations/{slug}/counters",
    response=answers({200: list[CounterOut]}, 401, 403, 404),
    summary="Counters of a location and their skills (staff)",
)
def counters_list(request: HttpRequest, slug: str) -> Any:
    location = location_for(request.user, slug, CatalogPerm.LOCATION_VIEW)
    return location.counters.prefetch_related("services")


@router.put(
    "/counters/{counter_id}/services",
    response=answers({200: CounterOut}, 401, 403, 404, 422),
    summary="Set the services a counter can serve (administrators)",
)
def counter_skills_set(request: HttpRequest, counter_id: RowId, payload: SlugsIn) -> Any:
    counter = selectors.counter_by_id(counter_id=counter_id)
    require(request.user, CatalogPerm.MANAGE, counter.location)
    return services.counter_skills_set(
        counter=counter,
        services=selectors.services_named(slugs=payload.slugs, field="slugs"),
        actor=actor_of(request),
    )


@router.put(
    "/services/{slug}/locations",
    response=answers({200: ServiceOut}, 401, 403, 404, 422),
    summary="Set where a service is offered (administrators)",
)
def service_locations_set(request: HttpRequest, slug: str, payload: SlugsIn) -> Any:
    service = selectors.service_by_slug(slug=slug)
    require(request.user, CatalogPerm.MANAGE)
    services.service_locations_set(
        service=service,
        locations=selectors.locations_named(slugs=payload.slugs, field="slugs"),
        actor=actor_of(request),
    )
    return selectors.service_get(slug=slug)
