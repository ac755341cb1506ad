"""The catalogue as the API shows it: ninja schemas that read the models (and the resolved
opening hours) themselves, through resolvers, for the public router here and the staff router
in `accounts.catalog_api`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict

from hamburg_service.core.api_schemas import Day, InputSchema, LocalTime

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

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("web:service", args=[obj.slug])


class ServiceOut(ServiceSummaryOut):
    leika_key: str
    handling_minutes: int = Field(description="Assumed handling time at the counter.")
    documents: list[str]
    fee_cents: int | None
    fee_note: str
    locations: list[str] = Field(description="Slugs of the locations offering the service.")
    combinable_with: list[str]

    @staticmethod
    def resolve_locations(obj: Any) -> list[str]:
        return [loc.slug for loc in obj.locations.all()]

    @staticmethod
    def resolve_combinable_with(obj: Any) -> list[str]:
        return sorted(s.slug for s in obj.combinable_with.all())


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

    @staticmethod
    def resolve_notes(obj: Any) -> str:
        return str(obj.accessibility_notes)


class LocationSummaryOut(Schema):
    slug: str
    name: str
    kind: KindCode
    district: DistrictOut
    address: Address
    url: str

    @staticmethod
    def resolve_address(obj: Any) -> Any:
        return obj  # street, postcode, city and coordinates are the location's own fields

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("web:location", args=[obj.slug])


class LocationOut(LocationSummaryOut):
    phone: str
    email: str
    transport: str
    accessibility: Accessibility
    services: list[str]

    @staticmethod
    def resolve_accessibility(obj: Any) -> Any:
        return obj

    @staticmethod
    def resolve_services(obj: Any) -> list[str]:
        return [s.slug for s in obj.services.all()]


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


class RuleOut(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    opens: LocalTime
    closes: LocalTime


class RuleIn(InputSchema, RuleOut):
    pass


class ScheduleIn(InputSchema):
    purpose: PurposeCode = "opening"
    label: str = Field("", max_length=100)
    valid_from: Day
    valid_until: Day | None = None
    rules: list[RuleIn] = Field(max_length=100)


class ScheduleOut(Schema):
    id: int
    location: str
    purpose: PurposeCode
    label: str
    valid_from: dt.date
    valid_until: dt.date | None
    rules: list[RuleOut]

    @staticmethod
    def resolve_location(obj: Any) -> str:
        return str(obj.location.slug)

    @staticmethod
    def resolve_rules(obj: Any) -> list[Any]:
        return list(obj.rules.all())


class ClosureIn(InputSchema):
    start_date: Day
    end_date: Day
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    counters: list[str] = Field(default_factory=list, description="Counter names; empty = all")
    reason_de: str = Field("", max_length=200)
    reason_en: str = Field("", max_length=200)


class ClosureOut(ClosureIn):
    # Read from the model through the resolvers below, which a forbidding config would skip.
    model_config = ConfigDict(extra="ignore")

    id: int
    location: str

    @staticmethod
    def resolve_location(obj: Any) -> str:
        return str(obj.location.slug)

    @staticmethod
    def resolve_counters(obj: Any) -> list[str]:
        return sorted(c.name for c in obj.counters.all())


class CounterOut(Schema):
    id: int
    name: str
    is_active: bool
    services: list[str]

    @staticmethod
    def resolve_services(obj: Any) -> list[str]:
        return sorted(s.slug for s in obj.services.all())


class SlugsIn(InputSchema):
    slugs: list[str] = Field(max_length=1000)
