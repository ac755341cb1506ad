"""Catalogue API: services, locations, opening hours; staff writes for timetables, closures,
counter skills and where services are offered."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from hamburg_service.accounts.permissions import Perm, has_perm
from hamburg_service.api_schemas import answers
from hamburg_service.catalog import selectors, services
from hamburg_service.catalog.models import (
    Closure,
    Counter,
    District,
    Location,
    Purpose,
    Service,
    WeeklySchedule,
)
from hamburg_service.catalog.validation import RuleInput
from hamburg_service.errors import Forbidden, InvalidInput

router = Router(tags=["catalogue"])

AgencyCode = Literal["residents", "immigration"]
KindCode = Literal["residents", "immigration", "welcome"]
PurposeCode = Literal["opening", "booking"]


class DistrictOut(Schema):
    slug: str
    name: str


class ServiceSummaryOut(Schema):
    slug: str
    name: str
    agency: AgencyCode
    summary: str
    channel: Literal["on_site", "online", "both"]
    access: Literal["appointment", "walk_in", "both"]
    url: str


class ServiceOut(ServiceSummaryOut):
    leika_key: str
    handling_minutes: int = Field(description="Assumed handling time at the counter.")
    documents: list[str]
    fee_cents: int | None
    fee_note: str
    locations: list[str] = Field(description="Slugs of the locations offering the service.")
    combinable_with: list[str]


class Address(Schema):
    street: str
    postcode: str
    city: str
    latitude: float
    longitude: float


class Accessibility(Schema):
    step_free: bool
    hearing_loop: bool
    accessible_toilet: bool
    disabled_parking: bool
    notes: str


class LocationSummaryOut(Schema):
    slug: str
    name: str
    kind: KindCode
    district: DistrictOut
    address: Address
    url: str


class LocationOut(LocationSummaryOut):
    phone: str
    email: str
    transport: str
    accessibility: Accessibility
    services: list[str]


class IntervalOut(Schema):
    start: dt.datetime
    end: dt.datetime


class CapacityOut(IntervalOut):
    counters: int


class ClosureNoteOut(Schema):
    reason: str
    whole_location: bool
    start: dt.datetime | None
    end: dt.datetime | None


class DayOut(Schema):
    date: dt.date
    open: list[IntervalOut]
    capacity: list[CapacityOut]
    holiday: str | None
    closures: list[ClosureNoteOut]


class HoursOut(Schema):
    location: str
    service: str | None
    purpose: PurposeCode
    time_zone: str
    days: list[DayOut]


def _service_summary(service: Service) -> dict:
    return {
        "slug": service.slug,
        "name": service.name,
        "agency": service.agency,
        "summary": service.t("summary"),
        "channel": service.channel,
        "access": service.access,
        "url": reverse("web:service", args=[service.slug]),
    }


def _location_summary(location: Location) -> dict:
    return {
        "slug": location.slug,
        "name": location.name,
        "kind": location.kind,
        "district": {"slug": location.district.slug, "name": location.district.name},
        "address": {
            "street": location.street,
            "postcode": location.postcode,
            "city": location.city,
            "latitude": float(location.latitude),
            "longitude": float(location.longitude),
        },
        "url": reverse("web:location", args=[location.slug]),
    }


@router.get("/districts", response=list[DistrictOut], summary="Districts (Bezirke)")
def districts(request: HttpRequest) -> list[dict]:
    return [{"slug": d.slug, "name": d.name} for d in District.objects.all()]


@router.get(
    "/services", response=answers({200: list[ServiceSummaryOut]}, 422), summary="Find services"
)
def services_list(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Search words, German or English"),
    agency: AgencyCode | None = None,
) -> list[dict]:
    return [_service_summary(s) for s in selectors.services_search(query=q, agency=agency or "")]


@router.get("/services/{slug}", response=answers({200: ServiceOut}, 404), summary="One service")
def service_detail(request: HttpRequest, slug: str) -> dict:
    service = selectors.service_get(slug=slug)
    return {
        **_service_summary(service),
        "leika_key": service.leika_key,
        "handling_minutes": service.handling_minutes,
        "documents": service.documents,
        "fee_cents": service.fee_cents,
        "fee_note": service.t("fee_note"),
        "locations": [loc.slug for loc in service.locations.all()],
        "combinable_with": sorted(s.slug for s in service.combinable_with.all()),
    }


@router.get(
    "/locations", response=answers({200: list[LocationSummaryOut]}, 404, 422), summary="Locations"
)
def locations(
    request: HttpRequest,
    district: str = Query("", max_length=50),
    kind: KindCode | None = None,
    service: str = Query("", max_length=50, description="Only locations offering this service"),
) -> list[dict]:
    service_obj = get_object_or_404(Service, slug=service, is_active=True) if service else None
    return [
        _location_summary(loc)
        for loc in selectors.locations_list(district=district, kind=kind or "", service=service_obj)
    ]


@router.get("/locations/{slug}", response=answers({200: LocationOut}, 404), summary="One location")
def location_detail(request: HttpRequest, slug: str) -> dict:
    location = selectors.location_get(slug=slug)
    return {
        **_location_summary(location),
        "phone": location.phone,
        "email": location.email,
        "transport": location.t("transport"),
        "accessibility": {
            "step_free": location.step_free,
            "hearing_loop": location.hearing_loop,
            "accessible_toilet": location.accessible_toilet,
            "disabled_parking": location.disabled_parking,
            "notes": location.t("accessibility"),
        },
        "services": [s.slug for s in location.services.all()],
    }


class HoursQuery(Schema):
    start: dt.date | None = Field(None, description="First day (default: today)")
    end: dt.date | None = Field(None, description="Last day, inclusive (default: start + 6 days)")
    service: str = Field("", max_length=50, description="Count only counters serving this")
    purpose: PurposeCode = "opening"


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput(
            _("The end date lies before the start date."),
            errors=[{"field": "end", "message": _("The end date lies before the start date.")}],
        )
    limit = settings.OPENING_HOURS_MAX_DAYS
    if (end - start).days + 1 > limit:
        message = _("Ask for at most %(days)d days at once.") % {"days": limit}
        raise InvalidInput(message, errors=[{"field": "end", "message": message}])


@router.get(
    "/locations/{slug}/opening-hours",
    response=answers({200: HoursOut}, 404, 422),
    summary="Resolved opening hours for a date range",
    description=(
        "Per day: when the location is open (`open`), and when counters that can serve the "
        "given service are open, with how many (`capacity`). Public holidays in Hamburg, "
        "closures and overlapping timetables are resolved. `purpose=booking` gives the public "
        "booking hours where they differ."
    ),
)
def opening_hours(request: HttpRequest, slug: str, params: Query[HoursQuery]) -> dict:
    location = get_object_or_404(Location, slug=slug, is_active=True)
    start = params.start or timezone.localdate()
    end = params.end or start + dt.timedelta(days=6)
    check_range(start, end)
    service = (
        get_object_or_404(Service, slug=params.service, is_active=True) if params.service else None
    )
    days = selectors.opening_hours(
        location=location, start=start, end=end, service=service, purpose=params.purpose
    )
    return {
        "location": location.slug,
        "service": service.slug if service else None,
        "purpose": params.purpose,
        "time_zone": settings.TIME_ZONE,
        "days": [
            {
                "date": d.date,
                "open": [{"start": i.start, "end": i.end} for i in d.open],
                "capacity": [
                    {"start": i.start, "end": i.end, "counters": i.counters} for i in d.capacity
                ],
                "holiday": d.holiday,
                "closures": [
                    {
                        "reason": c.reason,
                        "whole_location": c.whole_location,
                        "start": c.start,
                        "end": c.end,
                    }
                    for c in d.closures
                ],
            }
            for d in days
        ],
    }


# --- staff writes -----------------------------------------------------------------------------


def require(request: HttpRequest, perm: Perm, location: Location | None = None) -> None:
    if not has_perm(request.user, perm, location):
        raise Forbidden(_("Your role does not allow this here."))


class RuleIn(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    opens: dt.time
    closes: dt.time


class ScheduleIn(Schema):
    purpose: PurposeCode = "opening"
    label: str = Field("", max_length=100)
    valid_from: dt.date
    valid_until: dt.date | None = None
    rules: list[RuleIn] = Field(max_length=100)


class ScheduleOut(Schema):
    id: int
    location: str
    purpose: PurposeCode
    label: str
    valid_from: dt.date
    valid_until: dt.date | None
    rules: list[RuleIn]


def _schedule_out(schedule: WeeklySchedule) -> dict:
    return {
        "id": schedule.pk,
        "location": schedule.location.slug,
        "purpose": schedule.purpose,
        "label": schedule.label,
        "valid_from": schedule.valid_from,
        "valid_until": schedule.valid_until,
        "rules": [
            {"weekday": r.weekday, "opens": r.opens, "closes": r.closes}
            for r in schedule.rules.all()
        ],
    }


@router.get(
    "/locations/{slug}/schedules",
    response=answers({200: list[ScheduleOut]}, 401, 403, 404),
    auth=django_auth,
    summary="Weekly timetables of a location (staff)",
)
def schedules_list(request: HttpRequest, slug: str) -> list[dict]:
    location = get_object_or_404(Location, slug=slug)
    require(request, Perm.LOCATION_VIEW, location)
    return [
        _schedule_out(s)
        for s in location.schedules.select_related("location").prefetch_related("rules")
    ]


@router.post(
    "/locations/{slug}/schedules",
    response=answers({201: ScheduleOut}, 401, 403, 404, 422),
    auth=django_auth,
    summary="Add a weekly timetable (administrators)",
)
def schedule_create(request: HttpRequest, slug: str, payload: ScheduleIn) -> Status[dict]:
    location = get_object_or_404(Location, slug=slug)
    require(request, Perm.CATALOG_MANAGE, location)
    schedule = services.schedule_create(
        location=location,
        purpose=Purpose(payload.purpose),
        label=payload.label,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        rules=[RuleInput(r.weekday, r.opens, r.closes) for r in payload.rules],
        by=request.user,
    )
    return Status(201, _schedule_out(schedule))


@router.delete(
    "/schedules/{schedule_id}",
    response=answers({204: None}, 401, 403, 404),
    auth=django_auth,
    summary="Remove a weekly timetable (administrators)",
)
def schedule_delete(request: HttpRequest, schedule_id: int) -> Status[None]:
    schedule = get_object_or_404(WeeklySchedule.objects.select_related("location"), pk=schedule_id)
    require(request, Perm.CATALOG_MANAGE, schedule.location)
    services.schedule_delete(schedule=schedule, by=request.user)
    return Status(204, None)


class ClosureIn(Schema):
    start_date: dt.date
    end_date: dt.date
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    counters: list[str] = Field(default_factory=list, description="Counter names; empty = all")
    reason_de: str = Field("", max_length=200)
    reason_en: str = Field("", max_length=200)


class ClosureOut(ClosureIn):
    id: int
    location: str


def _closure_out(closure: Closure) -> dict:
    return {
        "id": closure.pk,
        "location": closure.location.slug,
        "start_date": closure.start_date,
        "end_date": closure.end_date,
        "start_time": closure.start_time,
        "end_time": closure.end_time,
        "counters": sorted(c.name for c in closure.counters.all()),
        "reason_de": closure.reason_de,
        "reason_en": closure.reason_en,
    }


@router.post(
    "/locations/{slug}/closures",
    response=answers({201: ClosureOut}, 401, 403, 404, 422),
    auth=django_auth,
    summary="Close a location or some counters (location leads, administrators)",
)
def closure_create(request: HttpRequest, slug: str, payload: ClosureIn) -> Status[dict]:
    location = get_object_or_404(Location, slug=slug)
    require(request, Perm.CLOSURE_MANAGE, location)
    counters = list(Counter.objects.filter(location=location, name__in=payload.counters))
    unknown = sorted(set(payload.counters) - {c.name for c in counters})
    if unknown:
        message = _("%(location)s has no counters named: %(names)s.") % {
            "location": location.name,
            "names": ", ".join(unknown),
        }
        raise InvalidInput(message, errors=[{"field": "counters", "message": message}])
    closure = services.closure_create(
        location=location,
        start_date=payload.start_date,
        end_date=payload.end_date,
        start_time=payload.start_time,
        end_time=payload.end_time,
        counters=counters,
        reason_de=payload.reason_de,
        reason_en=payload.reason_en,
        by=request.user,
    )
    return Status(201, _closure_out(closure))


@router.delete(
    "/closures/{closure_id}",
    response=answers({204: None}, 401, 403, 404),
    auth=django_auth,
    summary="Remove a closure (location leads, administrators)",
)
def closure_delete(request: HttpRequest, closure_id: int) -> Status[None]:
    closure = get_object_or_404(Closure.objects.select_related("location"), pk=closure_id)
    require(request, Perm.CLOSURE_MANAGE, closure.location)
    services.closure_delete(closure=closure, by=request.user)
    return Status(204, None)


class CounterOut(Schema):
    id: int
    name: str
    is_active: bool
    services: list[str]


@router.get(
    "/locations/{slug}/counters",
    response=answers({200: list[CounterOut]}, 401, 403, 404),
    auth=django_auth,
    summary="Counters of a location and their skills (staff)",
)
def counters_list(request: HttpRequest, slug: str) -> list[dict]:
    location = get_object_or_404(Location, slug=slug)
    require(request, Perm.LOCATION_VIEW, location)
    return [
        {
            "id": c.pk,
            "name": c.name,
            "is_active": c.is_active,
            "services": sorted(s.slug for s in c.services.all()),
        }
        for c in location.counters.prefetch_related("services")
    ]


class SlugsIn(Schema):
    slugs: list[str] = Field(max_length=1000)


def _objects_by_slug(model: Any, slugs: list[str], field: str) -> list[Any]:
    found = list(model.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {o.slug for o in found})
    if unknown:
        message = _("Unknown: %(names)s.") % {"names": ", ".join(unknown)}
        raise InvalidInput(message, errors=[{"field": field, "message": message}])
    return found


@router.put(
    "/counters/{counter_id}/services",
    response=answers({200: CounterOut}, 401, 403, 404, 422),
    auth=django_auth,
    summary="Set the services a counter can serve (administrators)",
)
def counter_skills_set(request: HttpRequest, counter_id: int, payload: SlugsIn) -> dict:
    counter = get_object_or_404(Counter.objects.select_related("location"), pk=counter_id)
    require(request, Perm.CATALOG_MANAGE, counter.location)
    skills = _objects_by_slug(Service, payload.slugs, "slugs")
    services.counter_skills_set(counter=counter, services=skills, by=request.user)
    return {
        "id": counter.pk,
        "name": counter.name,
        "is_active": counter.is_active,
        "services": sorted(s.slug for s in skills),
    }


@router.put(
    "/services/{slug}/locations",
    response=answers({200: ServiceOut}, 401, 403, 404, 422),
    auth=django_auth,
    summary="Set where a service is offered (administrators)",
)
def service_locations_set(request: HttpRequest, slug: str, payload: SlugsIn) -> dict:
    service = get_object_or_404(Service, slug=slug)
    require(request, Perm.CATALOG_MANAGE)
    places = _objects_by_slug(Location, payload.slugs, "slugs")
    services.service_locations_set(service=service, locations=places, by=request.user)
    return service_detail(request, slug)
