"""One demo login per staff role, for `make run` (never for production)."""

from __future__ import annotations

from django.db import transaction

from hamburg_service.accounts.models import Role, RoleAssignment, User
from hamburg_service.catalog.models import Location

DEMO_PASSWORD = "hamburg-demo"  # noqa: S105 - demo data, documented in the README
# Which demo location each role works at; city-wide roles get none.
DEMO_LOCATIONS = {
    Role.FRONT_DESK: ["kundenzentrum-city"],
    Role.CLERK: ["kundenzentrum-city"],
    Role.CASEWORKER_REGISTRATION: ["kundenzentrum-city"],
    Role.CASEWORKER_IMMIGRATION: ["auslaenderdienststelle-hamburg-mitte"],
    Role.LOCATION_LEAD: ["kundenzentrum-city"],
    Role.MANAGER: [],
    Role.ADMINISTRATOR: [],
    Role.CENTRAL_REGISTRATION: [],
    Role.DATA_PROTECTION: [],
    Role.TEAM_LEAD: [],
}


def demo_username(role: Role) -> str:
    return role.value.replace("_", "-")


def demo_staff_ensure() -> str:
    created = 0
    with transaction.atomic():
        for role, slugs in DEMO_LOCATIONS.items():
            user, is_new = User.objects.get_or_create(
                username=demo_username(role),
                defaults={"first_name": "Demo", "last_name": str(role.label)},
            )
            if is_new:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
            RoleAssignment.objects.get_or_create(user=user, role=role)
            user.locations.add(*Location.objects.filter(slug__in=slugs))
    return f"{created} created, {len(DEMO_LOCATIONS) - created} already there"
