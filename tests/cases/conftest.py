"""Shared pieces of the case tests: a fixed clock, the Hamburg case types on two services,
caseworkers with skills, and cases to open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from hamburg_service.accounts.models import Role
from hamburg_service.cases.demo import CASE_TYPES, case_types_ensure
from hamburg_service.cases.models import Case, CaseType, Skill
from hamburg_service.cases.services.lifecycle import case_open
from hamburg_service.catalog.models import Service
from hamburg_service.core.actors import Actor

# Monday 2 March 2026, 10:00 in Hamburg.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def case_types(db: None) -> dict[str, CaseType]:
    """The Hamburg case types (docs/cases.md) on services made for them."""
    for spec in CASE_TYPES:
        Service.objects.get_or_create(
            slug=spec["service"],
            defaults={
                "name_de": spec["name_de"],
                "name_en": spec["name_en"],
                "agency": spec["agency"],
                "handling_minutes": 20,
                "channel": "both",
                "access": "appointment",
            },
        )
    case_types_ensure()
    return {t.slug: t for t in CaseType.objects.all()}


@pytest.fixture
def caseworker(make_staff, case_types) -> Callable[..., Actor]:
    """caseworker(Role.CASEWORKER_IMMIGRATION, skills=["blue-card"]) -> an actor skilled for
    those types (default: every type of the role's agency)."""

    def make(role: Role = Role.CASEWORKER_IMMIGRATION, *, skills: list[str] | None = None) -> Actor:
        user = make_staff(role)
        agency = "residents" if role == Role.CASEWORKER_REGISTRATION else "immigration"
        for slug in (
            skills
            if skills is not None
            else [t.slug for t in case_types.values() if t.agency == agency]
        ):
            Skill.objects.create(user=user, case_type=case_types[slug])
        return Actor.staff(user)

    return make


@pytest.fixture
def desk(make_staff) -> Actor:
    return Actor.staff(make_staff(Role.FRONT_DESK))


@pytest.fixture
def open_case(case_types, desk) -> Callable[..., Case]:
    def make(
        slug: str = "residence-permit-extension",
        *,
        name: str = "Nguyễn Thị Minh Khai",
        channel: str = "counter",
        received_at: dt.datetime = NOW,
        now: dt.datetime = NOW,
        **fields: Any,
    ) -> Case:
        return case_open(
            case_type=case_types[slug],
            applicant_name=name,
            channel=channel,
            actor=desk,
            received_at=received_at,
            now=now,
            **fields,
        ).case

    return make
