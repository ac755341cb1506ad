"""Schemas shared by every app's API: the RFC 9457 problem body and the documented answers."""

from __future__ import annotations

from typing import Any

from ninja import Schema


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


def answers(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The response map of an operation: its success bodies plus problem bodies for `errors`."""
    return {**ok, **dict.fromkeys(errors, Problem)}
