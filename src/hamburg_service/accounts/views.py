"""Staff area pages. Every view asks accounts.permissions, as the API does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts import audit
from hamburg_service.accounts.access import (
    actor_of,
    has_perm,
    location_for,
    locations_for,
    perms_of,
    require,
    roles_of,
    staff_required,
)
from hamburg_service.accounts.models import AccessLog, AccessPurpose
from hamburg_service.accounts.permissions import (
    AccountsPerm,
    AppointmentsPerm,
    CatalogPerm,
    StaffPerm,
    VisitsPerm,
)
from hamburg_service.catalog import selectors
from hamburg_service.catalog import services as catalog_services
from hamburg_service.catalog.models import Counter, Location
from hamburg_service.core.dates import BoundedDateField
from hamburg_service.core.errors import AppError
from hamburg_service.core.forms import AccessibleErrorsMixin, posted_id
from hamburg_service.core.models import RetentionRun
from hamburg_service.core.pages import attempt, page_status


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


@require_GET
@staff_required(StaffPerm.AREA)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "roles": roles_of(user),
            "perms": {p.value for p in perms_of(user)},
            "locations": locations_for(user, CatalogPerm.LOCATION_VIEW)
            .select_related("district")
            .order_by("name_de"),
            "desks": {loc.pk for loc in locations_for(user, VisitsPerm.DESK)},
            "kiosks": {loc.pk for loc in locations_for(user, VisitsPerm.KIOSK_MANAGE)},
        },
    )


class ClosureForm(AccessibleErrorsMixin, forms.Form):
    start_date = BoundedDateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date."), "required": _("Enter the first day.")},
    )
    end_date = BoundedDateField(
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


@require_http_methods(["GET", "POST"])
@staff_required(CatalogPerm.LOCATION_VIEW)
def location_day(request: HttpRequest, slug: str) -> HttpResponse:
    location = location_for(request.user, slug, CatalogPerm.LOCATION_VIEW)
    can_manage = has_perm(request.user, CatalogPerm.CLOSURE_MANAGE, location)
    form = ClosureForm(request.POST or None, location=location) if can_manage else None
    problem: AppError | None = None
    if request.method == "POST":
        require(request.user, CatalogPerm.CLOSURE_MANAGE, location)
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            created, problem = attempt(
                lambda: catalog_services.closure_create(
                    location=location, actor=actor_of(request), **data
                ),
                form=form,
            )
            if created is not None:
                messages.success(request, _("The closure has been saved."))
                if has_perm(request.user, AppointmentsPerm.VIEW, location):
                    # On to the appointments it hits (the appointment book's page, by name).
                    return redirect(
                        "appointments:staff-closure", slug=location.slug, closure_id=created.pk
                    )
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
            "can_view_appointments": has_perm(request.user, AppointmentsPerm.VIEW, location),
            "form": form,
            "problem": problem,
        },
        status=page_status(problem, *([form] if form is not None else [])),
    )


@require_POST
@staff_required(CatalogPerm.CLOSURE_MANAGE)
def closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    closure = selectors.closure_by_id(closure_id=closure_id)
    require(request.user, CatalogPerm.CLOSURE_MANAGE, closure.location)
    catalog_services.closure_delete(closure=closure, actor=actor_of(request))
    messages.success(request, _("The closure has been removed."))
    return redirect("accounts:location", slug=closure.location.slug)


class AccessLogFilterForm(AccessibleErrorsMixin, forms.Form):
    first_day = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = BoundedDateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    staff = forms.CharField(label=_("Staff member (username)"), max_length=150, required=False)
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=[("", _("Any")), *AccessPurpose.choices], required=False
    )
    person = forms.IntegerField(
        label=_("Person (record number)"), min_value=1, max_value=2**62, required=False
    )


@require_GET
@staff_required(AccountsPerm.ACCESS_LOG_READ)
def access_log(request: HttpRequest) -> HttpResponse:
    """The access log, for the data protection officer: who read which personal data, when,
    for what purpose; filtered, newest first, fifty at a time."""
    form = AccessLogFilterForm(request.GET or None)
    entries: list[AccessLog] = []
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        entries = audit.access_log_page(
            user=request.user,
            where=audit.LogFilter(
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
                staff=data.get("staff") or "",
                purpose=data.get("purpose") or "",
                person_id=data.get("person"),
            ),
            before=posted_id(request.GET.get("before")),
        )
    older = ""
    if len(entries) == audit.PAGE_SIZE:
        query = request.GET.copy()
        query["before"] = str(entries[-1].pk)
        older = f"?{query.urlencode()}"
    return render(
        request,
        "accounts/access_log.html",
        {
            "form": form,
            "entries": entries,
            "older": older,
            # The reports of the retention rules (docs/people.md "Retention").
            "retention": list(RetentionRun.objects.all()[:30]),
        },
        status=page_status(None, form),
    )
