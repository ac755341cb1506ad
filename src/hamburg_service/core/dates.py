"""The range of dates the system accepts for its own business (bookings, opening hours,
closures, day views): from 2000 to 2099. A date outside it is a typing error or an attack —
year 1 or 9999 would overflow the time arithmetic — and gets a clear message instead."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator

from hamburg_service.core.errors import InvalidInput

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)


def _in_range_validator(day: dt.date) -> None:
    if not in_range(day):
        raise ValidationError(out_of_range_message(), code="date-out-of-range")


# For model fields: the admin's forms then refuse such dates as well.
DATE_RANGE = [_in_range_validator]


def out_of_range_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": DATE_MIN.strftime("%d.%m.%Y"),
        "last": DATE_MAX.strftime("%d.%m.%Y"),
    }


def in_range(day: dt.date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def bounded_date(text: str | None) -> dt.date | None:
    """A date from a link or form (YYYY-MM-DD) inside the range; None when missing, impossible
    (30 February) or out of range."""
    try:
        day = parse_date(text or "")
    except ValueError:
        return None
    return day if day is not None and in_range(day) else None


def check_date(day: dt.date, *, field: str) -> dt.date:
    """`day` if inside the range; InvalidInput naming `field` otherwise."""
    if not in_range(day):
        raise InvalidInput.field(field, out_of_range_message(), code="date-out-of-range")
    return day


def _api_date(day: dt.date) -> dt.date:
    if not in_range(day):
        raise ValueError(out_of_range_message())
    return day


# A date in an API body or query: refused with 422 naming the field when out of range.
ApiDate = Annotated[dt.date, AfterValidator(_api_date)]


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError(_("Give a local time (Hamburg) as HH:MM, without a time zone."))
    return value


# A wall-clock time of Hamburg (opening hours, closures): "10:00Z" is refused, not guessed.
ApiLocalTime = Annotated[dt.time, AfterValidator(_local_time)]


class BoundedDateField(forms.DateField):
    """A form date inside the range, with the same message as the API."""

    default_error_messages = {"invalid": gettext_lazy("Enter a date.")}
    earliest = DATE_MIN

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not self.earliest <= day <= DATE_MAX:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {
                    "first": self.earliest.strftime("%d.%m.%Y"),
                    "last": DATE_MAX.strftime("%d.%m.%Y"),
                },
                code="date-out-of-range",
            )
        return day


class RegisterDateField(BoundedDateField):
    """A date of the register's history (a move in 1998, a title valid since 1995)."""

    earliest = dt.date(1900, 1, 1)


def now_or(now: dt.datetime | None) -> dt.datetime:
    """The moment a service acts at: the `now` it was given (tests, jobs) or the clock's; never
    a naive time."""
    moment = now or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("`now` must be aware.")
    return moment
