"""Catalogue rules that span several rows, shared by the admin forms and catalog.services.

Each check raises django.core.exceptions.ValidationError with a message for the person who
entered the data, keyed by the field to correct.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from hamburg_service.catalog.models import (
    KIND_AGENCIES,
    Counter,
    Location,
    Service,
    Weekday,
    WeeklySchedule,
)
from hamburg_service.core.dates import in_range, out_of_range_message


@dataclass(frozen=True, slots=True)
class RuleInput:
    weekday: int
    opens: dt.time
    closes: dt.time


def _hm(value: dt.time) -> str:
    return time_format(value, "H:i")


def check_rules(rules: Sequence[RuleInput]) -> None:
    """Each rule closes after it opens; no two rules of one weekday overlap."""
    errors: list[str] = []
    for rule in rules:
        if rule.closes <= rule.opens:
            errors.append(
                _("%(day)s: closes at %(closes)s, which is not after it opens at %(opens)s.")
                % {
                    "day": Weekday(rule.weekday).label,
                    "opens": _hm(rule.opens),
                    "closes": _hm(rule.closes),
                }
            )
    by_day: dict[int, list[RuleInput]] = {}
    for rule in rules:
        if rule.closes > rule.opens:
            by_day.setdefault(rule.weekday, []).append(rule)
    for weekday, day_rules in sorted(by_day.items()):
        day_rules.sort(key=lambda r: r.opens)
        for before, after in itertools.pairwise(day_rules):
            if after.opens < before.closes:
                errors.append(
                    _("%(day)s: %(a)s and %(b)s overlap.")
                    % {
                        "day": Weekday(weekday).label,
                        "a": f"{_hm(before.opens)}–{_hm(before.closes)}",
                        "b": f"{_hm(after.opens)}–{_hm(after.closes)}",
                    }
                )
    if errors:
        raise ValidationError({"rules": errors})


def check_schedule_period(
    *,
    location: Location,
    purpose: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    exclude_pk: int | None = None,
) -> None:
    for field, day in (("valid_from", valid_from), ("valid_until", valid_until)):
        if day is not None and not in_range(day):
            raise ValidationError({field: out_of_range_message()})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(
            {"valid_until": _("The end of the validity period lies before its start.")}
        )
    clash = WeeklySchedule.objects.filter(location=location, purpose=purpose, valid_from=valid_from)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "valid_from": _(
                    "Another timetable of this location for the same purpose already starts "
                    "on this day. Change that one, or start this one on another day."
                )
            }
        )


def check_service_locations(*, service_agency: str, locations: Iterable[Location]) -> None:
    """A service is offered only at locations whose kind serves its agency."""
    wrong = [loc for loc in locations if service_agency not in KIND_AGENCIES[loc.kind]]
    if wrong:
        raise ValidationError(
            {
                "locations": _("These locations cannot offer a service of this agency: %(names)s.")
                % {"names": ", ".join(sorted(loc.name for loc in wrong))}
            }
        )


def check_offer_removal(*, service: Service, locations: Iterable[Location]) -> None:
    """A location may stop offering a service only once no counter there is skilled for it."""
    keep = {loc.pk for loc in locations}
    if service.pk is None:
        return
    stranded = Counter.objects.filter(services=service).exclude(location_id__in=keep)
    names = sorted(str(c) for c in stranded.select_related("location"))
    if names:
        raise ValidationError(
            {
                "locations": _(
                    "Counters at locations you removed can still serve this service: "
                    "%(names)s. Change those counters first."
                )
                % {"names": ", ".join(names)}
            }
        )


def check_counter_services(*, location: Location, services: Iterable[Service]) -> None:
    """A counter is skilled only for services its location offers."""
    offered = set(location.services.values_list("pk", flat=True))
    wrong = [s for s in services if s.pk not in offered]
    if wrong:
        raise ValidationError(
            {
                "services": _("%(location)s does not offer: %(names)s.")
                % {"location": location.name, "names": ", ".join(sorted(s.name for s in wrong))}
            }
        )


def check_closure(
    *,
    location: Location,
    start_date: dt.date,
    end_date: dt.date,
    start_time: dt.time | None,
    end_time: dt.time | None,
    counters: Iterable[Counter],
) -> None:
    errors: dict[str, str] = {}
    for field, day in (("start_date", start_date), ("end_date", end_date)):
        if not in_range(day):
            errors[field] = out_of_range_message()
    if end_date < start_date:
        errors.setdefault("end_date", _("The last day lies before the first day."))
    if (start_time is None) != (end_time is None):
        errors["end_time"] = _("Give both times, or none for whole days.")
    elif start_time is not None and end_time is not None and end_time <= start_time:
        errors["end_time"] = _("The closure must end after it starts.")
    foreign = [c.name for c in counters if c.location_id != location.pk]
    if foreign:
        errors["counters"] = _("These counters belong to another location: %(names)s.") % {
            "names": ", ".join(sorted(foreign))
        }
    if errors:
        raise ValidationError(errors)


def check_day_range(start: dt.date, end: dt.date) -> None:
    """A range of days asked for at once: ordered, and at most OPENING_HOURS_MAX_DAYS long."""
    if end < start:
        raise ValidationError({"end": _("The end date lies before the start date.")})
    limit = settings.OPENING_HOURS_MAX_DAYS
    if (end - start).days + 1 > limit:
        raise ValidationError(
            {"end": _("Ask for at most %(days)d days at once.") % {"days": limit}}
        )
