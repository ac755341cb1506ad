"""Read-only views of the appointment book for administrators (changes go through the pages)."""

from __future__ import annotations

from django.contrib import admin

from hamburg_service.appointments.models import (
    Appointment,
    AppointmentEvent,
    WaitlistEntry,
    WaitlistEvent,
)
from hamburg_service.core.admin import ReadOnlyAdmin


class EventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor_kind", "actor_user", "actor_name", "data")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "location", "start", "status", "channel")
    list_filter = ("status", "channel", "location")
    search_fields = ("reference",)
    date_hierarchy = "start"
    inlines = [EventInline]
    # The person link would show a register person's name here, unlogged (people.access).
    exclude = (
        "manage_token_hash",
        "confirm_token_hash",
        "manage_nonce",
        "email_normalised",
        "person",
    )


class WaitlistEventInline(admin.TabularInline):
    model = WaitlistEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor_kind", "actor_name", "data")


@admin.register(WaitlistEntry)
class WaitlistAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "status", "date_from", "date_to", "offered_at")
    list_filter = ("status",)
    inlines = [WaitlistEventInline]
    exclude = ("leave_nonce", "leave_token_hash", "email_normalised")
