"""The access layer: who may do what, where, for which agency — and the log of every staff read
of personal data. Pages, API, admin and the domain selectors all ask here.

A permission is granted by a role (`accounts.permissions.ROLE_PERMS`). Each granting role adds
a grant: everywhere (manager, administrator) or at the locations the person works at, for both
agencies or only the role's own (the caseworkers). A thing the user may not see because of its
*subject* (a person's appointment, later a person or a case) answers exactly like a thing that
does not exist; public things (a location) answer 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hamburg_service.accounts.models import (
    AccessLog,
    AccessLogSubject,
    AccessPurpose,
    DataCategory,
    Role,
)
from hamburg_service.accounts.permissions import (
    ADMIN_APPS,
    BOTH_AGENCIES,
    CITY_WIDE_ROLES,
    ROLE_AGENCIES,
    ROLE_PERMS,
    AccountsPerm,
    Perm,
)
from hamburg_service.catalog.models import KIND_AGENCIES, Counter, Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.db import rows_insert
from hamburg_service.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True, slots=True)
class Grant:
    """One role's share of a permission: where and for which agencies."""

    everywhere: bool
    agencies: frozenset[str]


def _roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    codes: frozenset[str] = user.role_codes
    if user.is_superuser:
        return codes | {Role.ADMINISTRATOR}
    return codes


def grants_of(user: Any, perm: Perm) -> list[Grant]:
    """The grants of `perm` that `user`'s roles give; empty when none does."""
    return [
        Grant(Role(code) in CITY_WIDE_ROLES, ROLE_AGENCIES.get(Role(code), BOTH_AGENCIES))
        for code in sorted(ROLE_PERMS[perm] & _roles(user))
    ]


def _own_location_ids(user: Any) -> frozenset[int]:
    # Cached on the user object: one request asks many times.
    cached: frozenset[int] | None = getattr(user, "_location_ids", None)
    if cached is None:
        cached = frozenset(user.locations.values_list("pk", flat=True))
        user._location_ids = cached
    return cached


def has_perm(
    user: Any, perm: Perm, location: Location | None = None, *, agency: str | None = None
) -> bool:
    """True if `user` may do `perm`: anywhere, or with `location` there, and with `agency`
    for that agency."""
    for grant in grants_of(user, perm):
        if agency is not None and agency not in grant.agencies:
            continue
        if location is not None:
            if not KIND_AGENCIES[location.kind] & grant.agencies:
                continue
            if not grant.everywhere and location.pk not in _own_location_ids(user):
                continue
        return True
    return False


def agencies_for(user: Any, perm: Perm) -> frozenset[str]:
    """The agencies for which `user` may do `perm` somewhere."""
    out: frozenset[str] = frozenset()
    for grant in grants_of(user, perm):
        out |= grant.agencies
    return out


def _kinds(agencies: frozenset[str]) -> list[str]:
    return [kind for kind, served in KIND_AGENCIES.items() if served & agencies]


def locations_for(user: Any, perm: Perm) -> QuerySet[Location]:
    """The locations where `user` may do `perm`, as one query."""
    condition: Q | None = None
    for grant in grants_of(user, perm):
        where = Q(kind__in=_kinds(grant.agencies))
        if not grant.everywhere:
            where &= Q(staff=user)
        condition = where if condition is None else condition | where
    if condition is None:
        return Location.objects.none()
    return Location.objects.filter(condition).distinct()


def location_for(user: Any, slug: str, perm: Perm, *, active_only: bool = False) -> Location:
    """The location `slug` if `user` may do `perm` there; NotFound (unknown) or Forbidden."""
    location = Location.objects.select_related("district").filter(slug=slug).first()
    if location is None or (active_only and not location.is_active):
        raise NotFound(_("There is no such location."), code="location-unknown")
    require(user, perm, location)
    return location


def counter_for(user: Any, counter_id: int, perm: Perm) -> Counter:
    """The active counter `counter_id` if `user` may do `perm` at its location; NotFound
    (unknown, inactive, or an id no database holds) or Forbidden."""
    counter = (
        Counter.objects.select_related("location").filter(pk=counter_id, is_active=True).first()
        if 0 < counter_id < 2**63
        else None
    )
    if counter is None:
        raise NotFound(_("There is no such counter."), code="counter-unknown")
    require(user, perm, counter.location)
    return counter


def require(user: Any, perm: Perm, location: Location | None = None) -> None:
    """Forbidden unless `user` may do `perm` (at `location`)."""
    if not has_perm(user, perm, location):
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")


def roles_of(user: Any) -> list[Role]:
    return [Role(code) for code in sorted(_roles(user))]


def perms_of(user: Any) -> set[Perm]:
    roles = _roles(user)
    return {perm for perm, granting in ROLE_PERMS.items() if granting & roles}


def staff_required(perm: Perm) -> Callable[..., Any]:
    """Pages: send visitors who are not signed in to the sign-in page; refuse signed-in staff
    who hold `perm` nowhere (403). Where exactly is checked by `location_for` and the
    selectors."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                login = reverse("accounts:login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if not has_perm(request.user, perm):
                raise Forbidden(_("Your role does not allow this here."), code="role-forbids")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def actor_of(request: HttpRequest) -> Actor:
    """The member of staff making this request, as the actor of the services they call."""
    return Actor.staff(request.user)


def access_record(
    *,
    actor: Any,
    subject_type: str,
    subject_ref: str,
    purpose: AccessPurpose,
    categories: Sequence[DataCategory] = (DataCategory.NAME, DataCategory.CONTACT),
    location: Location | None = None,
    case_reference: str = "",
    criteria: dict[str, Any] | None = None,
    hits: int | None = None,
    persons: Sequence[int] = (),
    at: dt.datetime | None = None,
) -> AccessLog:
    """Record that a member of staff was shown personal data — which kinds, never the data.
    Called by the selectors that show it, not by views. `persons`: the ids of the person
    records shown (a search lists several), so each person can learn of the read."""
    user = actor.user if isinstance(actor, Actor) else actor
    # rows_insert: every read of personal data writes these, without per-call compilation.
    entry = AccessLog(
        at=at or timezone.now(),
        actor=user,
        subject_type=subject_type[:40],
        subject_ref=subject_ref[:200],
        location=location,
        categories=[str(c) for c in categories],
        purpose=purpose,
        case_reference=case_reference[:40],
        criteria=criteria,
        hits=hits,
        # The roles at the time of the read: "who read my data" names them, not today's.
        actor_roles=sorted(_roles(user)),
    )
    rows_insert([entry])
    if persons:
        rows_insert([AccessLogSubject(log=entry, person_id=pk) for pk in dict.fromkeys(persons)])
    return entry


class RoleBackend:
    """An authentication backend that only answers permission questions, from the roles."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return self.has_module_perms(user_obj, perm.partition(".")[0])

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return app_label in ADMIN_APPS and has_perm(user_obj, AccountsPerm.ADMIN_SITE)
