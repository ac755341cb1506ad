"""Uploaded files for administrators: what was uploaded, when, by whom, for what, and when it
goes. Read only, and without the content: files reach people only through the app that owns
them, which decides who may have them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hamburg_service.core.admin import ReadOnlyAdmin
from hamburg_service.files.models import FileEvent, StoredFile


class FileEventInline(admin.TabularInline):
    model = FileEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor_kind", "actor_user", "data")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "public_id",
        "content_type",
        "size",
        "policy",
        "purpose",
        "state",
        "owner",
        "delete_after",
    )
    list_filter = ("state", "content_type", "policy", "purpose")
    search_fields = ("=owner", "=public_id", "=sha256")
    date_hierarchy = "created_at"
    # No storage name and no link: the admin never hands out the content. Nor the file's name
    # or the uploader's e-mail: personal data that operating the uploads does not need.
    fields = (
        "public_id",
        "content_type",
        "size",
        "sha256",
        "policy",
        "purpose",
        "state",
        "owner",
        "created_at",
        "created_by_kind",
        "created_by_user",
        "attached_at",
        "deleted_at",
        "delete_after",
    )
    readonly_fields = fields
    inlines = [FileEventInline]
