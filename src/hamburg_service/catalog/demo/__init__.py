"""The Hamburg demo city (hamburg.toml) and a seeded generator for cities of any size.

Loading is idempotent: rows are matched by slug (or location and name) and only written when
something differs, so a second load reports nothing created and nothing changed.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import translation

from hamburg_service.catalog import validation
from hamburg_service.catalog.models import (
    KIND_AGENCIES,
    Counter,
    District,
    Location,
    Purpose,
    ScheduleRule,
    Service,
    WeeklySchedule,
)

DEMO_FILE = Path(__file__).with_name("hamburg.toml")
# Demo timetables apply from this day on, so any date the demo is run on is covered.
DEMO_VALID_FROM = dt.date(2024, 1, 1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class LoadReport:
    created: Tally[str] = field(default_factory=Tally)
    updated: Tally[str] = field(default_factory=Tally)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        def fmt(t: Tally[str]) -> str:
            return ", ".join(f"{n} {k}" for k, n in sorted(t.items())) or "nothing"

        return f"created: {fmt(self.created)}; updated: {fmt(self.updated)}"


def _upsert(
    report: LoadReport, model: type[Model], lookup: dict[str, Any], values: dict[str, Any]
) -> Any:
    obj = model._default_manager.filter(**lookup).first()
    with translation.override("en"):  # reports are for operators' logs, in one language
        label = str(model._meta.verbose_name_plural)
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        report.created[str(label)] += 1
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        report.updated[str(label)] += 1
    return obj


def _set_m2m(report: LoadReport, obj: Model, name: str, targets: Sequence[Model]) -> None:
    manager = getattr(obj, name)
    current = set(manager.values_list("pk", flat=True))
    wanted = {t.pk for t in targets}
    if current != wanted:
        manager.set(targets)
        report.updated[f"{name} links"] += 1


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _rules(spec: dict[str, list[list[str]]]) -> list[validation.RuleInput]:
    return [
        validation.RuleInput(WEEKDAYS.index(day), _time(opens), _time(closes))
        for day, spans in spec.items()
        for opens, closes in spans
    ]


def _ensure_schedule(
    report: LoadReport,
    location: Location,
    purpose: str,
    rules: list[validation.RuleInput],
    valid_from: dt.date,
    label: str,
) -> None:
    validation.check_rules(rules)
    schedule = _upsert(
        report,
        WeeklySchedule,
        {"location": location, "purpose": purpose, "valid_from": valid_from},
        {"label": label, "valid_until": None},
    )
    have = sorted((r.weekday, r.opens, r.closes) for r in schedule.rules.all())
    want = sorted((r.weekday, r.opens, r.closes) for r in rules)
    if have != want:
        schedule.rules.all().delete()
        ScheduleRule.objects.bulk_create(
            ScheduleRule(schedule=schedule, weekday=w, opens=o, closes=c) for w, o, c in want
        )
        report.updated["timetable rules"] += 1


def _ensure_counters(report: LoadReport, location: Location, count: int) -> None:
    offered = list(location.services.all())
    for number in range(1, count + 1):
        counter = _upsert(
            report, Counter, {"location": location, "name": f"Platz {number}"}, {"is_active": True}
        )
        _set_m2m(report, counter, "services", offered)


def demo_city_load(*, path: Path = DEMO_FILE) -> LoadReport:
    """Load (or bring up to date) the demo city from `path`."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    with transaction.atomic():
        districts = {
            d["slug"]: _upsert(
                report,
                District,
                {"slug": d["slug"]},
                {"name_de": d["name_de"], "name_en": d["name_en"]},
            )
            for d in data["districts"]
        }
        location_fields = (
            "name_de",
            "name_en",
            "kind",
            "street",
            "postcode",
            "phone",
            "email",
            "step_free",
            "hearing_loop",
            "accessible_toilet",
            "disabled_parking",
            "accessibility_de",
            "accessibility_en",
            "transport_de",
            "transport_en",
        )
        locations: dict[str, Location] = {}
        for spec in data["locations"]:
            values = {k: spec[k] for k in location_fields}
            values["district"] = districts[spec["district"]]
            values["latitude"] = _decimal(spec["latitude"])
            values["longitude"] = _decimal(spec["longitude"])
            locations[spec["slug"]] = _upsert(report, Location, {"slug": spec["slug"]}, values)
        service_fields = (
            "name_de",
            "name_en",
            "summary_de",
            "summary_en",
            "keywords_de",
            "keywords_en",
            "leika_key",
            "agency",
            "handling_minutes",
            "fee_note_de",
            "fee_note_en",
            "channel",
            "access",
        )
        services: dict[str, Service] = {}
        for spec in data["services"]:
            values = {k: spec[k] for k in service_fields}
            values["documents_de"] = "\n".join(spec["documents_de"])
            values["documents_en"] = "\n".join(spec["documents_en"])
            values["fee_cents"] = spec.get("fee_cents")
            service = _upsert(report, Service, {"slug": spec["slug"]}, values)
            services[spec["slug"]] = service
            if spec["offered_at"] == "all":
                where = [
                    loc for loc in locations.values() if spec["agency"] in KIND_AGENCIES[loc.kind]
                ]
            else:
                where = [locations[slug] for slug in spec["offered_at"]]
            validation.check_service_locations(service_agency=spec["agency"], locations=where)
            _set_m2m(report, service, "locations", where)
        combos: dict[str, set[str]] = {slug: set() for slug in services}
        for spec in data["services"]:
            for other in spec.get("combinable_with", []):
                combos[spec["slug"]].add(other)
                combos[other].add(spec["slug"])
        for slug, others in combos.items():
            _set_m2m(report, services[slug], "combinable_with", [services[o] for o in others])
        for spec in data["locations"]:
            location = locations[spec["slug"]]
            timetable = data["hours"][spec["hours"]]
            _ensure_schedule(
                report,
                location,
                Purpose.OPENING,
                _rules(timetable["opening"]),
                DEMO_VALID_FROM,
                spec["hours"],
            )
            if "booking" in timetable:
                _ensure_schedule(
                    report,
                    location,
                    Purpose.BOOKING,
                    _rules(timetable["booking"]),
                    DEMO_VALID_FROM,
                    spec["hours"],
                )
            _ensure_counters(report, location, spec["counters"])
    return report


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(str(value)).quantize(Decimal("0.000001"))


# --- generated cities --------------------------------------------------------------------------


def city_generate(
    *,
    locations: int,
    services: int,
    counters_per_location: int = 8,
    seed: int = 1,
    valid_from: dt.date = DEMO_VALID_FROM,
) -> LoadReport:
    """A synthetic city of any size for benchmarks, reproducible from `seed`.

    A fifth of the locations are immigration offices, the rest residents' centres; each
    location offers most services of its agency; counters are skilled for a random two thirds
    of what their location offers, so skill-based routing has something to route.
    """
    rng = random.Random(seed)
    report = LoadReport()
    with transaction.atomic():
        districts = [
            _upsert(
                report,
                District,
                {"slug": f"gen-d{i}"},
                {"name_de": f"Bezirk {i}", "name_en": f"District {i}"},
            )
            for i in range(1, 8)
        ]
        made_services: list[Service] = []
        for i in range(1, services + 1):
            agency = "immigration" if i % 3 == 0 else "residents"
            made_services.append(
                _upsert(
                    report,
                    Service,
                    {"slug": f"gen-s{i}"},
                    {
                        "name_de": f"Leistung {i}",
                        "name_en": f"Service {i}",
                        "agency": agency,
                        "handling_minutes": rng.choice(
                            (10, 15, 20, 30) if agency == "residents" else (30, 45)
                        ),
                        "channel": "on_site",
                        "access": "appointment" if agency == "immigration" else "both",
                    },
                )
            )
        for i in range(1, locations + 1):
            kind = "immigration" if i % 5 == 0 else "residents"
            location = _upsert(
                report,
                Location,
                {"slug": f"gen-l{i}"},
                {
                    "name_de": f"Standort {i}",
                    "name_en": f"Location {i}",
                    "kind": kind,
                    "district": districts[i % 7],
                    "street": f"Musterstraße {i}",
                    "postcode": f"{20000 + i % 2000:05d}",
                    "latitude": _decimal(53.45 + rng.random() * 0.2),
                    "longitude": _decimal(9.85 + rng.random() * 0.35),
                },
            )
            offered = [
                s for s in made_services if s.agency in KIND_AGENCIES[kind] and rng.random() < 0.85
            ]
            for service in offered:
                service.locations.add(location)
            weekly = {day: [["08:00", "16:00"]] for day in WEEKDAYS[:5]}
            if kind == "immigration":
                weekly = {day: [["08:00", "14:00"]] for day in WEEKDAYS[:5]}
            _ensure_schedule(report, location, Purpose.OPENING, _rules(weekly), valid_from, "gen")
            for number in range(1, counters_per_location + 1):
                counter = _upsert(
                    report,
                    Counter,
                    {"location": location, "name": f"Platz {number}"},
                    {"is_active": True},
                )
                skills = [s for s in offered if rng.random() < 0.67] or offered[:1]
                _set_m2m(report, counter, "services", skills)
    return report
