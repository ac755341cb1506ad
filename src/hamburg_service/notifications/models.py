"""The outbox (Postausgang): one row per message, written in the transaction of the change that
causes it, delivered after commit with retries."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.events import Event


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, given up")


class Message(models.Model):
    """One e-mail. Its text is rendered when it is sent, from `template` and `context`, in
    `language`; `about` names what it concerns (`appointment:K7QZ2M4P`), never the person."""

    created_at = models.DateTimeField(_("queued at"))
    recipient = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=5, default="de")
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, encoder=DjangoJSONEncoder)
    about = models.CharField(_("about"), max_length=60, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When to try next; while a sender holds the message, when its claim lapses.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("outbox")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.template} {self.about} {self.status}"


class MessageEventKind(models.TextChoices):
    SENT = "sent", _("sent")
    ATTEMPT_FAILED = "attempt_failed", _("attempt failed")
    GIVEN_UP = "given_up", _("given up")
    RESENT = "resent", _("queued again")


class MessageEvent(Event):
    subject_field = "message"
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=MessageEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
