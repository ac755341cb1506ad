"""Places in Hamburg for "nearest to": a postcode, an address with its postcode, or a district.

The coordinates come only from `data/hamburg_postcodes.csv` (one point per Hamburg postcode,
GeoNames, CC BY 4.0; see `data/SOURCES.md`). There is no street-level data: an address is
resolved by the postcode in it, otherwise by a district name from the file's `place` column.
A district listed under several postcodes stands for the mean of those postcodes' points.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from hamburg_service.core.errors import InvalidInput

POSTCODES_CSV = Path(__file__).resolve().parent / "data" / "hamburg_postcodes.csv"
ATTRIBUTION = "Postcode data © GeoNames (geonames.org), CC BY 4.0"

_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_SANKT = re.compile(r"\bst\b\.?\s*")
_CITY = "hamburg"


@dataclass(frozen=True)
class ResolvedPlace:
    """A point to measure distances from, and how to name it to the user."""

    label: str
    latitude: float
    longitude: float
    postcodes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Postcode:
    postcode: str
    place: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Index:
    by_postcode: dict[str, _Postcode]
    # folded district name -> (name as in the data, its postcodes)
    districts: dict[str, tuple[str, tuple[_Postcode, ...]]]


def _fold(text: str, *, umlauts: str = "spell") -> str:
    """Lower case, ß and umlauts spelled out ('ü' -> 'ue'; with umlauts='drop' -> 'u'), other
    accents dropped, hyphens and runs of spaces made one space, 'St.' read as 'Sankt'."""
    text = text.casefold()
    for src, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(src, spelled if umlauts == "spell" or src == "ß" else src[0])
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _SANKT.sub("sankt ", text.replace("-", " "))
    return " ".join(text.split())


@cache
def _index() -> _Index:
    """The postcode file, read once per process."""
    by_postcode: dict[str, _Postcode] = {}
    members: dict[str, list[_Postcode]] = defaultdict(list)
    with POSTCODES_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            entry = _Postcode(
                postcode=row["postcode"],
                place=row["place"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
            )
            by_postcode[entry.postcode] = entry
            for name in entry.place.split(" / "):
                if _fold(name) != _CITY:  # "Hamburg" alone names no district
                    members[name].append(entry)
    # Families: "Altona" for Altona-Altstadt and Altona-Nord, "Barmbek" for Barmbek-Nord/-Süd.
    families: dict[str, list[_Postcode]] = defaultdict(list)
    for name, entries in members.items():
        head = name.split("-")[0]
        if head != name and _fold(head) != _CITY and head not in members:
            families[head].extend(e for e in entries if e not in families[head])
    districts: dict[str, tuple[str, tuple[_Postcode, ...]]] = {}
    for name, entries in [*families.items(), *members.items()]:  # exact names win
        for key in {_fold(name), _fold(name, umlauts="drop")}:
            districts[key] = (name, tuple(sorted(entries, key=lambda e: e.postcode)))
    return _Index(by_postcode=by_postcode, districts=districts)


def _without_city(folded: str) -> str:
    """'hamburg ottensen' / 'ottensen hamburg' -> 'ottensen'."""
    words = folded.split()
    while words and words[0] == _CITY:
        words.pop(0)
    while words and words[-1] == _CITY:
        words.pop()
    return " ".join(words)


def _district(text: str) -> ResolvedPlace | None:
    index = _index()
    for candidate in [text, *re.split(r"[,;]", text)]:
        key = _without_city(_fold(candidate))
        found = index.districts.get(key) if key else None
        if found is None:
            continue
        name, entries = found
        return ResolvedPlace(
            label=name,
            latitude=round(sum(e.latitude for e in entries) / len(entries), 4),
            longitude=round(sum(e.longitude for e in entries) / len(entries), 4),
            postcodes=tuple(e.postcode for e in entries),
        )
    return None


def postcode_in(text: str) -> str | None:
    """The first five-digit number in `text` (a German postcode), if any."""
    match = _POSTCODE.search(text)
    return match.group(1) if match else None


def place_resolve(text: str) -> ResolvedPlace | None:
    """A Hamburg postcode ("20099"), an address with one ("Kirchenallee 1, 20099 Hamburg") or a
    district ("Ottensen", "Eimsbuettel", "St. Pauli") as a point; None if it names none of these.

    A postcode in the text decides: a non-Hamburg one gives None, whatever else is written.
    """
    text = text.strip()
    if not text:
        return None
    postcode = postcode_in(text)
    if postcode is not None:
        entry = _index().by_postcode.get(postcode)
        if entry is None:
            return None
        return ResolvedPlace(
            label=f"{entry.postcode} {entry.place}",
            latitude=entry.latitude,
            longitude=entry.longitude,
            postcodes=(entry.postcode,),
        )
    return _district(text)


def place_error(text: str) -> str:
    """Why `text` could not be resolved, for the user (in the active language)."""
    postcode = postcode_in(text)
    if postcode is not None and postcode not in _index().by_postcode:
        return _("%(postcode)s is not a Hamburg postcode.") % {"postcode": postcode}
    return _(
        "We could not find this place in Hamburg. Please enter a Hamburg postcode "
        "(for example 20095) or district."
    )


def near_resolve(text: str, *, field: str = "near") -> ResolvedPlace:
    """`latitude,longitude`, or anything `place_resolve` understands; raises InvalidInput naming
    `field` otherwise. Shared by the availability API and the search page."""
    point = _POINT.match(text)
    if point is not None:
        latitude, longitude = float(point.group(1)), float(point.group(2))
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            message = _(
                "Coordinates are latitude,longitude: a latitude between -90 and 90 and a "
                "longitude between -180 and 180."
            )
            raise InvalidInput(message, errors=[{"field": field, "message": message}])
        return ResolvedPlace(
            label=f"{latitude:.4f}, {longitude:.4f}", latitude=latitude, longitude=longitude
        )
    place = place_resolve(text)
    if place is None:
        message = place_error(text)
        raise InvalidInput(message, errors=[{"field": field, "message": message}])
    return place
