"""Admin helpers shared by the apps, and the scheduler's jobs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hamburg_service.core.models import JobState


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records to look at, never to edit (event logs, the appointment book)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobState)
class JobStateAdmin(ReadOnlyAdmin):
    """The scheduler's jobs: when each runs next and how its last run went."""

    list_display = ("name", "next_run_at", "last_finished_at", "runs", "failures", "last_error")
