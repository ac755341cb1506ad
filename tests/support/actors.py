"""Actors for tests that call services directly."""

from __future__ import annotations

from hamburg_service.core.actors import Actor

RESIDENT = Actor.resident("person@example.org")
SYSTEM = Actor.system("tests")


def staff(user: object) -> Actor:
    return Actor.staff(user)
