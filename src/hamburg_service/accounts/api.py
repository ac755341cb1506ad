from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import django_auth

from hamburg_service.accounts.access import locations_for, perms_of, roles_of
from hamburg_service.accounts.permissions import CatalogPerm, StaffPerm
from hamburg_service.core.api_schemas import answers
from hamburg_service.core.errors import Forbidden

router = Router(tags=["staff"])


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    permissions: list[str]
    locations: list[str]


@router.get(
    "/me",
    response=answers({200: MeOut}, 401, 403),
    auth=django_auth,
    summary="The signed-in member of staff",
)
def me(request: HttpRequest) -> dict:
    user = request.user
    if StaffPerm.AREA not in perms_of(user):
        raise Forbidden(_("Your role does not allow this here."), code="role-forbids")
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),  # type: ignore[union-attr]
        "roles": [r.value for r in roles_of(user)],
        "permissions": sorted(p.value for p in perms_of(user)),
        "locations": list(
            locations_for(user, CatalogPerm.LOCATION_VIEW).values_list("slug", flat=True)
        ),
    }
