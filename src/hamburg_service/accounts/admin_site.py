"""The Django admin, opened to administrators by role rather than by Django's `is_staff` flag."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.access import has_perm
from hamburg_service.accounts.permissions import AccountsPerm


class HamburgAdminSite(admin.AdminSite):
    site_header = _("Hamburg Service administration")
    site_title = _("Hamburg Service")
    index_title = _("Catalogue, staff and settings")

    def has_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, AccountsPerm.ADMIN_SITE)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def refuse_staff_without_role(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(refuse_staff_without_role, inner)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One sign-in for all staff, with its brute-force protection. Signed-in staff without
        # the role get a plain refusal rather than a sign-in loop.
        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
