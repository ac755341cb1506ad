"""Public pages: thin views over the catalogue selectors."""

from __future__ import annotations

import datetime as dt
import logging

from django import forms
from django.contrib import messages
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.catalog import selectors
from hamburg_service.catalog.models import Agency, Location, Service
from hamburg_service.core.forms import AccessibleForm
from hamburg_service.feedback.services import accessibility_feedback_submit
from hamburg_service.visits.selectors import walk_in_estimates

logger = logging.getLogger(__name__)


class FinderForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("What do you need?"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    agency = forms.ChoiceField(
        label=gettext_lazy("Area"),
        required=False,
        choices=[("", gettext_lazy("All services")), *Agency.choices],
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET or None)
    query, agency = "", ""
    if form.is_bound and form.is_valid():
        query, agency = form.cleaned_data["q"], form.cleaned_data["agency"]
    results = selectors.services_search(query=query, agency=agency)
    return render(
        request,
        "web/home.html",
        {
            "form": form,
            "query": query,
            "searched": bool(query or agency),
            "results": results,
        },
    )


@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        service = selectors.service_get(slug=slug)
    except Service.DoesNotExist as exc:
        raise Http404(_("There is no such service.")) from exc
    grouped: dict[str, list[Location]] = {}
    for location in sorted(service.locations.all(), key=lambda loc: (loc.district.name, loc.name)):
        grouped.setdefault(location.district.name, []).append(location)
    return render(
        request,
        "web/service.html",
        {"service": service, "locations_by_district": grouped},
    )


@require_GET
def locations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/locations.html", {"districts": selectors.districts_with_locations()}
    )


@require_GET
def location_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        location = selectors.location_get(slug=slug)
    except Location.DoesNotExist as exc:
        raise Http404(_("There is no such location.")) from exc
    today = timezone.localdate()
    days = selectors.opening_hours(
        location=location, start=today, end=today + dt.timedelta(days=13)
    )
    services = sorted(location.services.all(), key=lambda s: s.name)
    now = timezone.now()
    open_now = any(i.start <= now < i.end for i in days[0].open)  # today, already resolved
    waits = walk_in_estimates(location=location, now=now) if open_now else []
    return render(
        request,
        "web/location.html",
        {
            "location": location,
            "today": today,
            "week": selectors.standard_week(location=location, on=today),
            "days": days,
            "closures": selectors.closures_upcoming(location=location, today=today),
            "services": services,
            "waits": waits,
            "map_url": (
                "https://www.openstreetmap.org/?mlat="
                f"{location.latitude}&mlon={location.longitude}#map=17/"
                f"{location.latitude}/{location.longitude}"
            ),
        },
    )


class AccessibilityFeedbackForm(AccessibleForm):
    message = forms.CharField(
        label=gettext_lazy("What did not work for you?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Please describe the barrier.")},
    )
    page_url = forms.CharField(
        label=gettext_lazy("On which page? (optional)"), required=False, max_length=500
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address, if you want an answer (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Please enter a valid e-mail address.")},
    )


@require_http_methods(["GET", "POST"])
def accessibility(request: HttpRequest) -> HttpResponse:
    form = AccessibilityFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accessibility_feedback_submit(
            message=form.cleaned_data["message"],
            page_url=form.cleaned_data["page_url"],
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            language=get_language() or "de",
        )
        messages.success(request, _("Thank you. We have received your feedback."))
        return redirect("web:accessibility")
    status = 422 if request.method == "POST" else 200
    return render(request, "web/accessibility.html", {"form": form}, status=status)


@require_GET
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "web/imprint.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: database unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
