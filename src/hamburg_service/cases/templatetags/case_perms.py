"""`{% if request.user|may_open_cases %}`: whether the reader may open a case, for pages of
other apps that link to it (the person's record)."""

from __future__ import annotations

from typing import Any

from django import template

from hamburg_service.accounts.access import has_perm
from hamburg_service.accounts.permissions import CasesPerm

register = template.Library()


@register.filter
def may_open_cases(user: Any) -> bool:
    return has_perm(user, CasesPerm.OPEN)
