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
    ACCESS_LOG_READ = "accounts.access_log_read"  # the access log (§ 40 BMG)


class FeedbackPerm(StrEnum):
    VIEW = "feedback.view"  # read accessibility feedback


class AppointmentsPerm(StrEnum):
    VIEW = "appointments.view"  # a location's appointment book, with names
    MANAGE = "appointments.manage"  # book for a caller, move, cancel, no-show


class VisitsPerm(StrEnum):
    DESK = "visits.desk"  # the front desk: issue tickets, check in, today's queue
    COUNTER = "visits.counter"  # work at a counter: call, serve, park, transfer, finish
    KIOSK_MANAGE = "visits.kiosk_manage"  # set up and revoke a location's ticket machines


class PeoplePerm(StrEnum):
    """The person record is one register for the city: these hold city-wide for the roles
    that grant them (people.access)."""

    SEARCH = "people.search"  # find a person: a short list to pick the right one
    REGISTER_READ = "people.register_read"  # names, birth, addresses, nationalities, ID papers
    RESIDENCE_READ = "people.residence_read"  # residence titles and the eAT card
    REGISTER_WRITE = "people.register_write"  # create, register a move, correct
    RESIDENCE_WRITE = "people.residence_write"  # record residence titles
    BLOCK_MANAGE = "people.block_manage"  # set, extend and lift information blocks
    INFORMATION_LOG_READ = "people.information_log_read"  # register information requests


class CasesPerm(StrEnum):
    """The pool is city-wide: these hold everywhere, for the agencies of the role."""

    OPEN = "cases.open"  # open a case for an applicant (counter, desk, post)
    WORK = "cases.work"  # take the next case, work and decide the own cases
    ASSIGN = "cases.assign"  # assign and reassign cases, see each caseworker's load
    BACKLOG = "cases.backlog"  # the backlog figures


class FormsPerm(StrEnum):
    """The online services (forms): figures without personal data, city-wide."""

    FIGURES = "forms.figures"  # submissions per service per day
    HANDOFFS = "forms.handoffs"  # see failed hand-offs to outside systems and retry them


Perm = (
    StaffPerm
    | CatalogPerm
    | AccountsPerm
    | FeedbackPerm
    | AppointmentsPerm
    | VisitsPerm
    | PeoplePerm
    | CasesPerm
    | FormsPerm
)
DOMAIN_PERMS: tuple[type[StrEnum], ...] = (
    StaffPerm,
    CatalogPerm,
    AccountsPerm,
    FeedbackPerm,
    AppointmentsPerm,
    VisitsPerm,
    PeoplePerm,
    CasesPerm,
    FormsPerm,
)

ALL_STAFF = frozenset(Role)
_ON_SITE = frozenset({Role.FRONT_DESK, Role.CLERK, Role.LOCATION_LEAD, Role.ADMINISTRATOR})
_REGISTER_READERS = frozenset(
    {
        Role.CLERK,
        Role.CASEWORKER_REGISTRATION,
        Role.CASEWORKER_IMMIGRATION,
        Role.CENTRAL_REGISTRATION,
    }
)
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
    # Nobody reads the access log but the data protection officer; administrators neither.
    AccountsPerm.ACCESS_LOG_READ: frozenset({Role.DATA_PROTECTION}),
    # Registration staff see the register; immigration staff the register and residence
    # matters; no other role sees a person (docs/people.md).
    PeoplePerm.SEARCH: _REGISTER_READERS,
    PeoplePerm.REGISTER_READ: _REGISTER_READERS,
    PeoplePerm.RESIDENCE_READ: frozenset({Role.CASEWORKER_IMMIGRATION}),
    PeoplePerm.REGISTER_WRITE: frozenset(
        {Role.CLERK, Role.CASEWORKER_REGISTRATION, Role.CENTRAL_REGISTRATION}
    ),
    PeoplePerm.RESIDENCE_WRITE: frozenset({Role.CASEWORKER_IMMIGRATION}),
    PeoplePerm.BLOCK_MANAGE: frozenset({Role.CENTRAL_REGISTRATION}),
    # Register information requests (§ 44 BMG) with their § 51 notices: the office and the
    # data protection officer.
    PeoplePerm.INFORMATION_LOG_READ: frozenset({Role.CENTRAL_REGISTRATION, Role.DATA_PROTECTION}),
    CasesPerm.OPEN: frozenset(
        {
            Role.FRONT_DESK,
            Role.CLERK,
            Role.CASEWORKER_REGISTRATION,
            Role.CASEWORKER_IMMIGRATION,
            Role.TEAM_LEAD,
        }
    ),
    CasesPerm.WORK: frozenset(
        {Role.CASEWORKER_REGISTRATION, Role.CASEWORKER_IMMIGRATION, Role.TEAM_LEAD}
    ),
    CasesPerm.ASSIGN: frozenset({Role.TEAM_LEAD}),
    CasesPerm.BACKLOG: frozenset({Role.TEAM_LEAD, Role.MANAGER}),
    FormsPerm.FIGURES: frozenset({Role.TEAM_LEAD, Role.LOCATION_LEAD, Role.MANAGER}),
    FormsPerm.HANDOFFS: frozenset({Role.LOCATION_LEAD, Role.MANAGER, Role.ADMINISTRATOR}),
}
CITY_WIDE_ROLES = frozenset(
    {Role.MANAGER, Role.ADMINISTRATOR, Role.CENTRAL_REGISTRATION, Role.DATA_PROTECTION}
)
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
    {
        "catalog",
        "accounts",
        "feedback",
        "axes",
        "appointments",
        "visits",
        "notifications",
        "core",
        "cases",
        "files",
    }
)
