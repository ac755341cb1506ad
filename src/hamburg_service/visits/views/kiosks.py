"""Ticket machines of a location, for its lead: set one up (its key is shown once) or revoke
it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hamburg_service.accounts.access import actor_of, location_for, staff_required
from hamburg_service.accounts.permissions import VisitsPerm
from hamburg_service.core.errors import AppError, NotFound
from hamburg_service.core.forms import posted_id
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.visits.forms import KioskDeviceForm
from hamburg_service.visits.models import KioskDevice
from hamburg_service.visits.services import kiosks


@require_http_methods(["GET", "POST"])
@staff_required(VisitsPerm.KIOSK_MANAGE)
def kiosk_devices(request: HttpRequest, slug: str) -> HttpResponse:
    location = location_for(request.user, slug, VisitsPerm.KIOSK_MANAGE)
    form = KioskDeviceForm(request.POST if request.POST.get("action") == "create" else None)
    problem: AppError | None = None
    new_key = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        pk = posted_id(request.POST.get("device"))
        device = KioskDevice.objects.filter(pk=pk, location=location).first() if pk else None
        if device is None:
            raise NotFound(_("There is no such ticket machine."), code="kiosk-unknown")
        _revoked, problem = attempt(
            lambda: kiosks.kiosk_device_revoke(device=device, actor=actor_of(request))
        )
        if problem is None:
            messages.success(
                request, _("%(name)s can no longer draw tickets.") % {"name": device.name}
            )
            return redirect("visits:kiosks", slug=slug)
    elif form.is_bound and form.is_valid():
        created, problem = attempt(
            lambda: kiosks.kiosk_device_create(
                location=location, name=form.cleaned_data["name"], actor=actor_of(request)
            ),
            form=form,
        )
        if created is not None:
            new_key = created[1]
            form = KioskDeviceForm()
    response = render(
        request,
        "visits/kiosks.html",
        {
            "location": location,
            "devices": KioskDevice.objects.filter(location=location).select_related(
                "created_by", "revoked_by"
            ),
            "form": form,
            "new_key": new_key,
            "problem": problem,
        },
        status=page_status(problem, form),
    )
    response["Cache-Control"] = "no-store"  # the new key is shown once
    return response
