"""Staff area pages. Every view asks accounts.permissions, as the API does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts.permissions import (
    Perm,
    has_perm,
    locations_for,
    perms_of,
    roles_of,
)
from hamburg_service.catalog import selectors
from hamburg_service.catalog import services as catalog_services
from hamburg_service.catalog.models import Closure, Counter, Location
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


class ClosureForm(AccessibleErrorsMixin, forms.Form):
    start_date = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date."), "required": _("Enter the first day.")},
    )
    end_date = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date."), "required": _("Enter the last day.")},
    )
    start_time = forms.TimeField(
        label=_("From (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("Enter a time as HH:MM.")},
    )
    end_time = forms.TimeField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("Enter a time as HH:MM.")},
    )
    counters = forms.ModelMultipleChoiceField(
        label=_("Only these counters (none = the whole location)"),
        queryset=Counter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason_de = forms.CharField(label=_("Reason (German)"), max_length=200, required=False)
    reason_en = forms.CharField(label=_("Reason (English)"), max_length=200, required=False)

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        counters_field = self.fields["counters"]
        assert isinstance(counters_field, forms.ModelMultipleChoiceField)
        counters_field.queryset = Counter.objects.filter(location=location)


def _location_for(request: HttpRequest, slug: str, perm: Perm) -> Location:
    location = Location.objects.select_related("district").filter(slug=slug).first()
    if location is None:
        raise Http404
    if not has_perm(request.user, perm, location):
        raise PermissionDenied
    return location


@require_http_methods(["GET", "POST"])
@staff_required(Perm.LOCATION_VIEW)
def location_day(request: HttpRequest, slug: str) -> HttpResponse:
    location = _location_for(request, slug, Perm.LOCATION_VIEW)
    can_manage = has_perm(request.user, Perm.CLOSURE_MANAGE, location)
    form = ClosureForm(request.POST or None, location=location) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                catalog_services.closure_create(
                    location=location, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The closure has been saved."))
                return redirect("accounts:location", slug=location.slug)
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
            "can_manage_closures": can_manage,
            "can_view_appointments": has_perm(request.user, Perm.APPOINTMENTS_VIEW, location),
            "form": form,
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@staff_required(Perm.CLOSURE_MANAGE)
def closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    closure = Closure.objects.select_related("location").filter(pk=closure_id).first()
    if closure is None:
        raise Http404
    if not has_perm(request.user, Perm.CLOSURE_MANAGE, closure.location):
        raise PermissionDenied
    catalog_services.closure_delete(closure=closure, by=request.user)
    messages.success(request, _("The closure has been removed."))
    return redirect("accounts:location", slug=closure.location.slug)


@require_GET
@staff_required(Perm.FEEDBACK_VIEW)
def feedback_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/feedback.html",
        {"items": AccessibilityFeedback.objects.all()[:200]},
    )
