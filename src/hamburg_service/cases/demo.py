"""The Hamburg case types, their lifecycle, and demo skills and cases for `make run`.

The case types are the applications the pool works today (docs/cases.md, "Case types"). They
are data: `case_types_ensure` creates the ones missing and leaves edited ones alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.cases.models import Case, CaseStatus, CaseTransition, CaseType, Skill, Team
from hamburg_service.catalog.models import Service
from hamburg_service.core.actors import Actor

S = CaseStatus
# The lifecycle every type starts with (an administrator may narrow it per type).
LIFECYCLE: list[tuple[str, str]] = [
    (S.RECEIVED, S.IN_REVIEW),
    (S.RECEIVED, S.WITHDRAWN),
    (S.IN_REVIEW, S.WAITING_APPLICANT),
    (S.IN_REVIEW, S.WAITING_AUTHORITY),
    (S.IN_REVIEW, S.DECIDED),
    (S.IN_REVIEW, S.REJECTED),
    (S.IN_REVIEW, S.WITHDRAWN),
    (S.WAITING_APPLICANT, S.IN_REVIEW),
    (S.WAITING_APPLICANT, S.WITHDRAWN),
    (S.WAITING_AUTHORITY, S.IN_REVIEW),
    (S.WAITING_AUTHORITY, S.WITHDRAWN),
    (S.DECIDED, S.IN_PRODUCTION),
    (S.DECIDED, S.CLOSED),
    (S.IN_PRODUCTION, S.READY_FOR_PICKUP),
    (S.READY_FOR_PICKUP, S.CLOSED),
]

PASSPORT = {"key": "passport", "de": "Reisepass", "en": "Passport"}
PHOTO = {"key": "photo", "de": "Biometrisches Foto", "en": "Biometric photo"}
INSURANCE = {
    "key": "health-insurance",
    "de": "Nachweis der Krankenversicherung",
    "en": "Proof of health insurance",
}
CONTRACT = {
    "key": "employment-contract",
    "de": "Arbeitsvertrag oder Einkommensnachweis",
    "en": "Employment contract or proof of income",
}
RENTAL = {"key": "rental-contract", "de": "Mietvertrag", "en": "Rental contract"}

CASE_TYPES: list[dict[str, Any]] = [
    {
        "slug": "residence-permit-extension",
        "service": "aufenthaltserlaubnis-verlaengern",
        "name_de": "Verlängerung der Aufenthaltserlaubnis",
        "name_en": "Extension of a residence permit",
        "agency": "immigration",
        "norm_days": 42,
        "suspends_for_authority": True,
        "suspension_basis": "§ 79 AufenthG, § 75 VwGO: Mitwirkung des Antragstellers und "
        "Beteiligung anderer Behörden (Sicherheitsabfrage, Bundesagentur für Arbeit)",
        "required_documents": [PASSPORT, PHOTO, INSURANCE, CONTRACT],
        "decider_role": Role.CASEWORKER_IMMIGRATION,
        "english_letters": True,
        "extends_title": True,
        "grants_title_kind": "residence_permit",
    },
    {
        "slug": "residence-permit",
        "service": "aufenthaltserlaubnis-erteilen",
        "name_de": "Erteilung einer Aufenthaltserlaubnis",
        "name_en": "Grant of a residence permit",
        "agency": "immigration",
        "norm_days": 60,
        "suspends_for_authority": True,
        "suspension_basis": "Beteiligung anderer Behörden (Sicherheitsabfrage, "
        "Bundesagentur für Arbeit)",
        "required_documents": [PASSPORT, PHOTO, INSURANCE, CONTRACT, RENTAL],
        "decider_role": Role.CASEWORKER_IMMIGRATION,
        "english_letters": True,
        "grants_title_kind": "residence_permit",
    },
    {
        "slug": "blue-card",
        "service": "blaue-karte-eu",
        "name_de": "Blaue Karte EU",
        "name_en": "EU Blue Card",
        "agency": "immigration",
        "norm_days": 30,
        "statutory_days": 90,
        "statutory_basis": "Art. 11 Abs. 1 Richtlinie (EU) 2021/1883: Entscheidung "
        "spätestens 90 Tage nach Antragstellung",
        "suspends_for_authority": False,
        "suspension_basis": "Unvollständige Unterlagen hemmen die Frist (Art. 11 Abs. 3 "
        "Richtlinie (EU) 2021/1883)",
        "required_documents": [PASSPORT, PHOTO, INSURANCE, CONTRACT],
        "decider_role": Role.CASEWORKER_IMMIGRATION,
        "english_letters": True,
        "extends_title": True,
        "grants_title_kind": "blue_card",
        "grants_legal_basis": "§ 18g AufenthG",
    },
    {
        "slug": "settlement-permit",
        "service": "niederlassungserlaubnis",
        "name_de": "Niederlassungserlaubnis",
        "name_en": "Settlement permit",
        "agency": "immigration",
        "norm_days": 60,
        "required_documents": [PASSPORT, PHOTO, INSURANCE, CONTRACT, RENTAL],
        "decider_role": Role.CASEWORKER_IMMIGRATION,
        "english_letters": True,
        "grants_title_kind": "settlement_permit",
        "grants_legal_basis": "§ 9 AufenthG",
    },
    {
        "slug": "information-block",
        "service": "auskunftssperre",
        "name_de": "Antrag auf Auskunftssperre",
        "name_en": "Application for an information block",
        "agency": "residents",
        "norm_days": 14,
        "required_documents": [],
        "decider_role": Role.CASEWORKER_REGISTRATION,
    },
    {
        "slug": "dog-registration",
        "service": "hunderegistrierung",
        "name_de": "Hundeanmeldung",
        "name_en": "Dog registration",
        "agency": "residents",
        "norm_days": 14,
        "required_documents": [
            {
                "key": "liability-insurance",
                "de": "Nachweis der Hundehaftpflichtversicherung",
                "en": "Proof of dog liability insurance",
            }
        ],
        "decider_role": Role.CASEWORKER_REGISTRATION,
    },
    # The online services' own types (forms/definitions/): a register information asked
    # online (answered at once, forms.handlers.register_information) and a change of address
    # (Ummeldung), whose approval moves the person and issues the registration certificate.
    {
        "slug": "register-information",
        "service": "melderegisterauskunft",
        "name_de": "Melderegisterauskunft (online)",
        "name_en": "Register information (online)",
        "agency": "residents",
        "norm_days": 3,
        "required_documents": [],
        "decider_role": Role.CASEWORKER_REGISTRATION,
    },
    {
        "slug": "change-of-address",
        "service": "anmeldung",
        "name_de": "Ummeldung (online)",
        "name_en": "Change of address (online)",
        "agency": "residents",
        "norm_days": 7,
        "required_documents": [],
        "decider_role": Role.CASEWORKER_REGISTRATION,
    },
]


def case_types_ensure() -> str:
    """Create the Hamburg case types that are missing (with the lifecycle); keep the others."""
    created = 0
    with transaction.atomic():
        services = {s.slug: s for s in Service.objects.all()}
        for spec in CASE_TYPES:
            spec = dict(spec)
            service = services.get(spec.pop("service"))
            if service is None or CaseType.objects.filter(slug=spec["slug"]).exists():
                continue
            case_type = CaseType.objects.create(service=service, **spec)
            CaseTransition.objects.bulk_create(
                CaseTransition(case_type=case_type, source=a, target=b) for a, b in LIFECYCLE
            )
            created += 1
    return f"{created} case types created"


def demo_cases_ensure(*, now: dt.datetime | None = None) -> str:
    """Skills for the demo caseworkers, a team, and a few applications in the pool."""
    from hamburg_service.cases.services.lifecycle import case_open

    now = now or timezone.now()
    lead_ids = RoleAssignment.objects.filter(role=Role.TEAM_LEAD).values_list("user_id")
    workers = {
        "immigration": User.objects.filter(
            role_assignments__role=Role.CASEWORKER_IMMIGRATION
        ).union(User.objects.filter(pk__in=lead_ids)),
        "residents": User.objects.filter(role_assignments__role=Role.CASEWORKER_REGISTRATION),
    }
    for agency, users in workers.items():
        team, _created = Team.objects.get_or_create(
            name={"immigration": "Team Aufenthalt", "residents": "Team Meldewesen"}[agency],
            defaults={"agency": agency},
        )
        for user in users:
            team.members.add(user)
            for case_type in CaseType.objects.filter(agency=agency):
                Skill.objects.get_or_create(user=user, case_type=case_type)
    if Case.objects.exists():
        return "demo cases already there"
    samples = [
        ("residence-permit-extension", "Nguyễn Thị Minh Khai", "online", 20),
        ("residence-permit-extension", "Çağlar Ğüneş-Ørsted", "post", 45),
        ("blue-card", "Priya Raghunathan", "online", 70),
        ("residence-permit", "Olumide Adeyemi", "counter", 5),
        ("settlement-permit", "Ólafur Ólafsdóttir", "post", 12),
        ("dog-registration", "Heike Hoffmann", "online", 3),
    ]
    made = 0
    for slug, name, channel, days_ago in samples:
        found = CaseType.objects.filter(slug=slug).first()
        if found is None:
            continue
        case_open(
            case_type=found,
            applicant_name=name,
            channel=channel,
            actor=Actor.system("demo_load"),
            received_at=now - dt.timedelta(days=min(days_ago, 89)),
            now=now,
        )
        made += 1
    return f"{made} demo cases opened"
