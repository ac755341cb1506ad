"""Who may do what, where: the one place pages, API and admin ask.

A permission is granted by a role. Roles of the city-wide organisation (manager, administrator)
hold it everywhere; every other role holds it only at the locations the person works at.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from hamburg_service.accounts.models import Role

if TYPE_CHECKING:
    from hamburg_service.catalog.models import Location


class Perm(StrEnum):
    STAFF_AREA = "staff_area"  # sign in and see the staff start page
    LOCATION_VIEW = "location_view"  # a location's internal day view: hours, counters, closures
    CLOSURE_MANAGE = "closure_manage"  # add or remove closures
    CATALOG_MANAGE = "catalog_manage"  # services, locations, timetables, counters
    STAFF_MANAGE = "staff_manage"  # staff accounts and roles
    FEEDBACK_VIEW = "feedback_view"  # read accessibility feedback
    ADMIN_SITE = "admin_site"  # the Django admin
    APPOINTMENTS_VIEW = "appointments_view"  # a location's appointment book, with names
    APPOINTMENTS_MANAGE = "appointments_manage"  # book for a caller, move, cancel, no-show


ALL_STAFF = frozenset(Role)
ROLE_PERMS: dict[Perm, frozenset[Role]] = {
    Perm.STAFF_AREA: ALL_STAFF,
    Perm.LOCATION_VIEW: ALL_STAFF,
    Perm.CLOSURE_MANAGE: frozenset({Role.LOCATION_LEAD, Role.ADMINISTRATOR}),
    Perm.CATALOG_MANAGE: frozenset({Role.ADMINISTRATOR}),
    Perm.STAFF_MANAGE: frozenset({Role.ADMINISTRATOR}),
    Perm.FEEDBACK_VIEW: frozenset({Role.MANAGER, Role.ADMINISTRATOR}),
    Perm.ADMIN_SITE: frozenset({Role.ADMINISTRATOR}),
    Perm.APPOINTMENTS_VIEW: frozenset(
        {Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.MANAGER, Role.ADMINISTRATOR}
    ),
    Perm.APPOINTMENTS_MANAGE: frozenset(
        {Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.ADMINISTRATOR}
    ),
}
CITY_WIDE_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


def _roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    codes: frozenset[str] = user.role_codes
    if user.is_superuser:
        return codes | {Role.ADMINISTRATOR}
    return codes


def has_perm(user: Any, perm: Perm, location: Location | None = None) -> bool:
    """True if `user` may do `perm`; with `location`, at that location."""
    granting = ROLE_PERMS[perm] & _roles(user)
    if not granting:
        return False
    if location is None or granting & CITY_WIDE_ROLES:
        return True
    return user.locations.filter(pk=location.pk).exists()


def locations_for(user: Any, perm: Perm) -> QuerySet[Location]:
    """The locations where `user` may do `perm`, as one query."""
    from hamburg_service.catalog.models import Location

    granting = ROLE_PERMS[perm] & _roles(user)
    if not granting:
        return Location.objects.none()
    if granting & CITY_WIDE_ROLES:
        return Location.objects.all()
    return Location.objects.filter(staff=user)


def roles_of(user: Any) -> list[Role]:
    return [Role(code) for code in sorted(_roles(user))]


def perms_of(user: Any) -> set[Perm]:
    roles = _roles(user)
    return {perm for perm, granting in ROLE_PERMS.items() if granting & roles}


# The Django admin asks Django's model permissions; administrators hold all of them for our apps.
ADMIN_APPS = frozenset({"catalog", "accounts", "feedback", "axes", "appointments"})


class RoleBackend:
    """An authentication backend that only answers permission questions, from the roles."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return self.has_module_perms(user_obj, perm.partition(".")[0])

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return app_label in ADMIN_APPS and has_perm(user_obj, Perm.ADMIN_SITE)
