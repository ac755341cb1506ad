"""The outbox for administrators: what was sent, what is waiting, what failed and why — and
"send again" for failed messages. Recipients are shown masked and the message context (which
holds the links' secrets) not at all."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hamburg_service.core.actors import Actor
from hamburg_service.core.admin import ReadOnlyAdmin
from hamburg_service.notifications.models import Message, MessageEvent
from hamburg_service.notifications.services import message_resend


def masked(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


class MessageEventInline(admin.TabularInline):
    model = MessageEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor_kind", "actor_name", "data")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "template",
        "about",
        "recipient_masked",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "template")
    search_fields = ("about",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "template",
        "about",
        "recipient_masked",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    readonly_fields = fields
    inlines = [MessageEventInline]
    actions = ["resend"]

    @admin.display(description=_("recipient"))
    def recipient_masked(self, obj: Message) -> str:
        return masked(obj.recipient)

    @admin.action(description=_("Send the selected failed messages again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        actor = Actor.staff(request.user)
        again = sum(message_resend(message=m, actor=actor) for m in queryset)
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", again)
            % {"n": again},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The resend action needs change permission; nothing else is editable.
        return bool(request.user.has_perm("notifications.change_message"))
