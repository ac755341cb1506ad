"""The permissions of each domain and which roles grant them: the one policy table.

Each domain has its own enum; a permission's value names its domain (`visits.counter`). Roles of
the city-wide organisation (manager, administrator) hold a permission everywhere; every other
role only at the locations the person works at. A role may also be limited to one agency
(residents' affairs or immigration): the caseworkers are. Checking and scoping happen in
`accounts.access`; docs/roles.md shows this table.
"""

from __future__ import annotations

from enum import StrEnum

from hamburg_service.accounts.models import Role


class StaffPerm(StrEnum):
    AREA = "staff.area"  # sign in and see the staff start page


class CatalogPerm(StrEnum):
    LOCATION_VIEW = "catalog.location_view"  # a location's day view: hours, counters, closures
    CLOSURE_MANAGE = "catalog.closure_manage"  # add or remove closures
    MANAGE = "catalog.manage"  # services, locations, timetables, counters


class AccountsPerm(StrEnum):
    STAFF_MANAGE = "accounts.staff_manage"  # staff accounts and roles
    ADMIN_SITE = "accounts.admin_site"  # the Django admin


class FeedbackPerm(StrEnum):
    VIEW = "feedback.view"  # read accessibility feedback


class AppointmentsPerm(StrEnum):
    VIEW = "appointments.view"  # a location's appointment book, with names
    MANAGE = "appointments.manage"  # book for a caller, move, cancel, no-show


class VisitsPerm(StrEnum):
    DESK = "visits.desk"  # the front desk: issue tickets, check in, today's queue
    COUNTER = "visits.counter"  # work at a counter: call, serve, park, transfer, finish
    KIOSK_MANAGE = "visits.kiosk_manage"  # set up and revoke a location's ticket machines


Perm = StaffPerm | CatalogPerm | AccountsPerm | FeedbackPerm | AppointmentsPerm | VisitsPerm
DOMAIN_PERMS: tuple[type[StrEnum], ...] = (
    StaffPerm,
    CatalogPerm,
    AccountsPerm,
    FeedbackPerm,
    AppointmentsPerm,
    VisitsPerm,
)

ALL_STAFF = frozenset(Role)
_ON_SITE = frozenset({Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.ADMINISTRATOR})
ROLE_PERMS: dict[Perm, frozenset[Role]] = {
    StaffPerm.AREA: ALL_STAFF,
    CatalogPerm.LOCATION_VIEW: ALL_STAFF,
    CatalogPerm.CLOSURE_MANAGE: frozenset({Role.LOCATION_LEAD, Role.ADMINISTRATOR}),
    CatalogPerm.MANAGE: frozenset({Role.ADMINISTRATOR}),
    AccountsPerm.STAFF_MANAGE: frozenset({Role.ADMINISTRATOR}),
    AccountsPerm.ADMIN_SITE: frozenset({Role.ADMINISTRATOR}),
    FeedbackPerm.VIEW: frozenset({Role.MANAGER, Role.ADMINISTRATOR}),
    AppointmentsPerm.VIEW: _ON_SITE | {Role.MANAGER},
    AppointmentsPerm.MANAGE: _ON_SITE,
    VisitsPerm.DESK: _ON_SITE,
    VisitsPerm.COUNTER: _ON_SITE,
    VisitsPerm.KIOSK_MANAGE: frozenset({Role.LOCATION_LEAD, Role.ADMINISTRATOR}),
}
CITY_WIDE_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})
# Roles that act for one agency only; every other role acts for both.
ROLE_AGENCIES: dict[Role, frozenset[str]] = {
    Role.CASEWORKER_REGISTRATION: frozenset({"residents"}),
    Role.CASEWORKER_IMMIGRATION: frozenset({"immigration"}),
}
BOTH_AGENCIES = frozenset({"residents", "immigration"})


def perm_of(value: str) -> Perm:
    """The permission named `value` (as stored or sent), of whichever domain."""
    for domain in DOMAIN_PERMS:
        try:
            return domain(value)  # type: ignore[return-value]
        except ValueError:
            continue
    raise ValueError(f"No such permission: {value}")


# The Django admin asks Django's model permissions; administrators hold all of them for our apps.
ADMIN_APPS = frozenset(
    {"catalog", "accounts", "feedback", "axes", "appointments", "visits", "notifications", "core"}
)
