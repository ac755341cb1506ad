"""Checks of the register's input shared by the services and the import: dates of birth that
may be partly unknown, countries, Hamburg addresses, legal bases and document numbers. Each
raises InvalidInput naming the field, with a message in the user's language."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pycountry
from django.utils.translation import gettext as _

from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.places import place_error, place_resolve
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.text import text_refused

T = TypeVar("T")
OLDEST_BIRTH_YEAR = 1880
# ICAO 9303 codes for people without a (known) nationality, beside ISO 3166-1 alpha-3.
ICAO_SPECIAL = {
    "XXA": "stateless",
    "XXB": "refugee (1951 Convention)",
    "XXC": "refugee (other)",
    "XXX": "unspecified",
}
_HOUSE_NUMBER = re.compile(r"^\d{1,4} ?[a-zA-Z]?( ?[-/] ?\d{1,4} ?[a-zA-Z]?)?$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{6,20}$")
_LEGAL_BASIS = re.compile(
    r"^§\s*(?P<section>\d{1,3}[a-z]?)"
    r"(?:\s*Abs(?:atz|\.)?\s*(?P<para>\d{1,2}[a-z]?))?"
    r"(?:\s*S(?:atz|\.)?\s*(?P<sentence>\d{1,2}))?"
    r"(?:\s*Nr(?:\.)?\s*(?P<number>\d{1,2}[a-z]?))?"
    r"(?:\s+(?P<law>AufenthG|FreizügG/EU|AsylG))?$",
    re.IGNORECASE,
)
_LAWS = {"aufenthg": "AufenthG", "freizügg/eu": "FreizügG/EU", "asylg": "AsylG"}


class Collector:
    """Runs checks and gathers every field's error, so that a form shows them all at once."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []
        self.codes: list[str] = []

    def run(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except InvalidInput as error:
            self.errors.extend(error.errors or [{"field": "", "message": error.detail}])
            self.codes.append(error.code)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(
                "; ".join(e["message"] for e in self.errors),
                code=self.codes[0],
                errors=self.errors,
            )


def today_in_hamburg(now: dt.datetime) -> dt.date:
    """The date as the law counts it (Europe/Berlin) at the moment `now`."""
    return now.astimezone(BERLIN).date()


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth, possibly partly unknown: month and day may be None."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def key(self) -> int:
        """YYYYMMDD with 00 for the unknown parts: sorts and compares like the date."""
        return self.year * 10000 + (self.month or 0) * 100 + (self.day or 0)

    @classmethod
    def parse(cls, text: str, *, field: str = "birth_date") -> BirthDate:
        """ "1985-03-04", "1985-03", "1985", or with 00/XX for unknown parts
        ("1985-00-00", "00.03.1985")."""
        value = text.strip().upper().replace("XX", "00")
        parts: list[str]
        if re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
            parts = value.split("-")
        elif re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", value):
            parts = list(reversed(value.split(".")))
        else:
            raise InvalidInput.field(
                field,
                _(
                    "Enter the date of birth as YYYY-MM-DD; write 00 for an unknown month "
                    "or day (1985-00-00)."
                ),
                code="birth-date-invalid",
            )
        numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
        return cls(numbers[0], numbers[1] or None, numbers[2] or None)

    def check(self, *, today: dt.date, field: str = "birth_date") -> BirthDate:
        def refuse(message: str) -> InvalidInput:
            return InvalidInput.field(field, message, code="birth-date-invalid")

        if not OLDEST_BIRTH_YEAR <= self.year <= today.year:
            raise refuse(
                _("The year of birth must lie between %(first)d and %(last)d.")
                % {"first": OLDEST_BIRTH_YEAR, "last": today.year}
            )
        if self.month is None and self.day is not None:
            raise refuse(_("A day of birth needs its month."))
        if self.month is not None and not 1 <= self.month <= 12:
            raise refuse(_("There is no such month."))
        last_day = calendar.monthrange(self.year, self.month)[1] if self.month else 31
        if self.month is not None and self.day is not None and not 1 <= self.day <= last_day:
            raise refuse(_("There is no such day in this month."))
        earliest = dt.date(self.year, self.month or 1, self.day or 1)
        if earliest > today:
            raise refuse(_("The date of birth cannot lie in the future."))
        return self

    def compatible(self, other: BirthDate) -> bool:
        """Could both be the same day? Unknown parts match anything."""
        return (
            self.year == other.year
            and (self.month is None or other.month is None or self.month == other.month)
            and (self.day is None or other.day is None or self.day == other.day)
        )

    def latest(self) -> dt.date:
        """The last day it could be (for comparisons with later dates)."""
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])


def country_clean(value: str, *, field: str, historic: bool = False, required: bool = False) -> str:
    """ISO 3166-1 alpha-3 (upper case; ICAO's "D" is Germany, DEU), ICAO's XXA/XXB/XXC/XXX,
    and with `historic` the withdrawn codes of ISO 3166-3 (SUN, YUG, CSK, DDR) — a country of
    birth may no longer exist."""
    code = (value or "").strip().upper()
    if not code:
        if required:
            raise InvalidInput.field(field, _("Enter the country."), code="country-missing")
        return ""
    if code == "D":
        return "DEU"
    if code in ICAO_SPECIAL or (len(code) == 3 and pycountry.countries.get(alpha_3=code)):
        return code
    if historic and len(code) == 3 and pycountry.historic_countries.get(alpha_3=code):
        return code
    raise InvalidInput.field(
        field,
        _("“%(code)s” is not a country code (ISO 3166-1 alpha-3, for example DEU, TUR, UKR).")
        % {"code": code[:10]},
        code="country-unknown",
    )


def text_clean(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if text_refused(text):
        raise InvalidInput.field(
            field,
            _("This contains control or formatting characters. Please type it again."),
            code="text-refused",
        )
    if required and not text:
        raise InvalidInput.field(field, _("This field is required."), code="required")
    if len(text) > max_length:
        raise InvalidInput.field(
            field,
            _("This can be at most %(count)d characters long.") % {"count": max_length},
            code="too-long",
        )
    return text


@dataclass(frozen=True, slots=True)
class Address:
    """An address in Hamburg: street, house number, postcode (checked against the Hamburg
    postcodes the catalogue ships)."""

    street: str
    house_number: str
    postcode: str
    address_extra: str = ""

    def clean(self) -> Address:
        errors = Collector()
        street = errors.run(text_clean, self.street, field="street", max_length=120)
        number = errors.run(self._number)
        postcode = errors.run(self._postcode)
        extra = errors.run(
            text_clean, self.address_extra, field="address_extra", max_length=120, required=False
        )
        errors.raise_if_any()
        return Address(street or "", number or "", postcode or "", extra or "")

    def _number(self) -> str:
        number = " ".join((self.house_number or "").split())
        if not _HOUSE_NUMBER.match(number):
            raise InvalidInput.field(
                "house_number",
                _("Enter a house number such as 12, 12a or 12-14."),
                code="house-number-invalid",
            )
        return number

    def _postcode(self) -> str:
        postcode = (self.postcode or "").strip()
        if not re.fullmatch(r"\d{5}", postcode) or place_resolve(postcode) is None:
            message = (
                place_error(postcode)
                if re.fullmatch(r"\d{5}", postcode)
                else _("Enter a postcode of five digits.")
            )
            raise InvalidInput.field("postcode", message, code="postcode-unknown")
        return postcode


def legal_basis_clean(value: str, *, field: str = "legal_basis") -> str:
    """A legal basis as "§ 18b AufenthG" or "§ 81 Abs. 4 AufenthG"; the law defaults to the
    Residence Act. Accepts "§18b", "§ 18b AufenthG", "18b", "§ 81 Absatz 4"."""
    text = " ".join((value or "").split())
    if text and text[0].isdigit():
        text = "§ " + text
    match = _LEGAL_BASIS.match(text)
    if not match:
        raise InvalidInput.field(
            field,
            _("Enter the legal basis as a section, for example “§ 18b AufenthG”."),
            code="legal-basis-invalid",
        )
    parts = [f"§ {match['section'].lower()}"]
    if match["para"]:
        parts.append(f"Abs. {match['para'].lower()}")
    if match["sentence"]:
        parts.append(f"S. {match['sentence']}")
    if match["number"]:
        parts.append(f"Nr. {match['number'].lower()}")
    parts.append(_LAWS[(match["law"] or "AufenthG").lower()])
    return " ".join(parts)


def document_number_clean(value: str, *, field: str = "number") -> str:
    number = "".join((value or "").split()).upper()
    if not _DOCUMENT_NUMBER.match(number):
        raise InvalidInput.field(
            field,
            _("A document number has 6 to 20 letters (A–Z) and digits."),
            code="document-number-invalid",
        )
    return number
