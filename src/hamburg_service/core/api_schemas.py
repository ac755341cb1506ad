"""Schemas shared by every app's API: the RFC 9457 problem body, the documented answers, and
the types whose documented form must say exactly what the API accepts and serves."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from hamburg_service.core.dates import ApiDate, ApiLocalTime
from hamburg_service.core.text import REFUSED_CLASS


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


class InputSchema(Schema):
    """A request body: a field it does not know is refused (422), not silently dropped, so
    that the schema can say `additionalProperties: false` and a misspelt field is noticed."""

    model_config = ConfigDict(extra="forbid")


def answers(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The response map of an operation: its success bodies plus problem bodies for `errors`.
    422 (invalid parameters, control characters in the query) and 503 (database away) are
    added to every operation by `HamburgAPI.get_openapi_schema`."""
    return {**ok, **dict.fromkeys(errors, Problem)}


# The id of a row: a positive 64-bit integer (a larger one overflows every database).
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]

# What a string the API reads may contain (core.text refuses the rest in paths, queries and
# bodies before any operation sees them).
TEXT_PATTERN = f"^[^{REFUSED_CLASS}]*$"

# 2000-01-01 … 2099-12-31 (core.dates), each day of the calendar and nothing else.
_DAY = (
    "(?:20[0-9]{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    "|20(?:0[048]|[2468][048]|[13579][26])-02-29)"
)
DATE_PATTERN = f"^{_DAY}$"
# A wall-clock time: HH:MM, HH:MM:SS or HH:MM:SS.ffffff, without a time zone.
TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?$"

# A day inside the accepted range, documented as such (format `date` alone allows year 1).
Day = Annotated[
    ApiDate,
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-03-02"]}
    ),
]
# A local time of Hamburg. JSON Schema's format `time` is RFC 3339's full-time, which needs
# an offset: exactly what the API refuses and never serves, hence a pattern instead.
LocalTime = Annotated[
    ApiLocalTime,
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "examples": ["08:30"]}),
]
