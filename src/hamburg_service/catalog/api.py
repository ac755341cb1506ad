"""Public catalogue API: districts, services, locations and their resolved opening hours.
The staff writes (timetables, closures, skills, offers) need the access layer, which sits above
the catalogue: they are in `accounts.catalog_api`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from hamburg_service.catalog import selectors, validation
from hamburg_service.catalog.models import District
from hamburg_service.catalog.schemas import (
    AgencyCode,
    DistrictOut,
    HoursOut,
    KindCode,
    LocationOut,
    LocationSummaryOut,
    PurposeCode,
    ServiceOut,
    ServiceSummaryOut,
)
from hamburg_service.core.api_schemas import Day, answers

router = Router(tags=["catalogue"])


@router.get("/districts", response=list[DistrictOut], summary="Districts (Bezirke)")
def districts(request: HttpRequest) -> Any:
    return District.objects.all()


@router.get(
    "/services", response=answers({200: list[ServiceSummaryOut]}, 422), summary="Find services"
)
def services_list(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Search words, German or English"),
    agency: AgencyCode | None = None,
) -> Any:
    return selectors.services_search(query=q, agency=agency or "")


@router.get("/services/{slug}", response=answers({200: ServiceOut}, 404), summary="One service")
def service_detail(request: HttpRequest, slug: str) -> Any:
    return selectors.service_get(slug=slug)


@router.get(
    "/locations", response=answers({200: list[LocationSummaryOut]}, 404, 422), summary="Locations"
)
def locations(
    request: HttpRequest,
    district: str = Query("", max_length=50),
    kind: KindCode | None = None,
    service: str = Query("", max_length=50, description="Only locations offering this service"),
) -> Any:
    offered = selectors.service_active(slug=service) if service else None
    return selectors.locations_list(district=district, kind=kind or "", service=offered)


@router.get("/locations/{slug}", response=answers({200: LocationOut}, 404), summary="One location")
def location_detail(request: HttpRequest, slug: str) -> Any:
    return selectors.location_get(slug=slug)


class HoursQuery(Schema):
    start: Day | None = Field(None, description="First day (default: today)")
    end: Day | None = Field(None, description="Last day, inclusive (default: start + 6 days)")
    service: str = Field("", max_length=50, description="Count only counters serving this")
    purpose: PurposeCode = "opening"


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
def opening_hours(request: HttpRequest, slug: str, params: Query[HoursQuery]) -> Any:
    location = selectors.location_get(slug=slug)
    start = params.start or timezone.localdate()
    end = params.end or start + dt.timedelta(days=6)
    validation.check_day_range(start, end)
    service = selectors.service_active(slug=params.service) if params.service else None
    return {
        "location": location.slug,
        "service": service.slug if service else None,
        "purpose": params.purpose,
        "time_zone": settings.TIME_ZONE,
        "days": selectors.opening_hours(
            location=location, start=start, end=end, service=service, purpose=params.purpose
        ),
    }
