"""Staff area pages. Every view asks accounts.permissions, as the API does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hamburg_service.accounts.permissions import (
    Perm,
    has_perm,
    locations_for,
    perms_of,
    roles_of,
)
from hamburg_service.catalog import selectors
from hamburg_service.catalog.models import Counter, Location
from hamburg_service.feedback.models import AccessibilityFeedback
from hamburg_service.web.forms import AccessibleErrorsMixin


class StaffAuthenticationForm(AccessibleErrorsMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Both are case-sensitive."),
        "inactive": _("This account is switched off. Please ask your administrator."),
    }


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = StaffAuthenticationForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    pass


def staff_required(perm: Perm) -> Callable[..., Any]:
    """Send anonymous visitors to sign in; refuse signed-in staff without `perm` (403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                login = reverse("accounts:login")
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if not has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@require_GET
@staff_required(Perm.STAFF_AREA)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/home.html",
        {
            "roles": roles_of(request.user),
            "perms": {p.value for p in perms_of(request.user)},
            "locations": locations_for(request.user, Perm.LOCATION_VIEW).select_related("district"),
        },
    )


@require_GET
@staff_required(Perm.LOCATION_VIEW)
def location_day(request: HttpRequest, slug: str) -> HttpResponse:
    location = Location.objects.select_related("district").filter(slug=slug).first()
    if location is None:
        raise Http404
    if not has_perm(request.user, Perm.LOCATION_VIEW, location):
        raise PermissionDenied
    today = timezone.localdate()
    days = selectors.opening_hours(location=location, start=today, end=today + dt.timedelta(days=6))
    counters = Counter.objects.filter(location=location).prefetch_related("services")
    return render(
        request,
        "accounts/location.html",
        {
            "location": location,
            "days": days,
            "counters": counters,
            "closures": selectors.closures_all_upcoming(location=location, today=today),
            "can_manage_closures": has_perm(request.user, Perm.CLOSURE_MANAGE, location),
        },
    )


@require_GET
@staff_required(Perm.FEEDBACK_VIEW)
def feedback_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/feedback.html",
        {"items": AccessibilityFeedback.objects.all()[:200]},
    )
