"""The Django admin, opened to administrators by role rather than by Django's `is_staff` flag."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.permissions import Perm, has_perm


class HamburgAdminSite(admin.AdminSite):
    site_header = _("Hamburg Service administration")
    site_title = _("Hamburg Service")
    index_title = _("Catalogue, staff and settings")

    def has_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, Perm.ADMIN_SITE)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One sign-in for all staff, with its brute-force protection.
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
