"""Uploaded files (hochgeladene Dateien): the facts about each stored file, and the event table
of what happened to it. The content lives in the uploads storage under a random name; the
person's own file name is kept only to show and to offer on download.

A file is **staged** when it was accepted but its owner (a case, an application) has not
taken it yet — a form that failed on another field keeps it this way; **attached** once the
owner took it (`owner` names it, like "case:K7QZ2M4P"); **deleted** when its content was
removed before its time (the row stays as the record of who removed it and why, until the
retention rules delete it)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.actors import ActorKind
from hamburg_service.core.events import Event


class FileState(models.TextChoices):
    STAGED = "staged", _("uploaded, not yet sent")
    ATTACHED = "attached", _("attached")
    DELETED = "deleted", _("deleted")


class StoredFile(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # Random, never derived from the person's file name; blank once the content is deleted.
    storage_name = models.CharField(_("name in storage"), max_length=100, blank=True)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    policy = models.CharField(_("upload policy"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=60)
    state = models.CharField(
        _("state"), max_length=10, choices=FileState.choices, default=FileState.STAGED
    )
    owner = models.CharField(_("owner"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    created_by_kind = models.CharField(
        _("uploaded by"), max_length=10, choices=[(k.value, k.value) for k in ActorKind]
    )
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by staff member"),
    )
    created_by_name = models.CharField(_("uploaded by (job or e-mail)"), max_length=254, blank=True)
    attached_at = models.DateTimeField(_("attached at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # Set by the owner; the file (and this row) is deleted on the day after. Empty: kept until
    # the owner decides.
    delete_after = models.DateField(_("delete after"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        indexes = [
            models.Index(fields=["owner", "state"]),
            models.Index(fields=["state", "created_at"]),
            models.Index(
                fields=["delete_after"],
                condition=Q(delete_after__isnull=False),
                name="files_delete_after_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="staged", owner="")
                | Q(state="attached") & ~Q(owner="")
                | Q(state="deleted"),
                name="files_owner_once_attached",
            ),
            models.CheckConstraint(
                condition=Q(state="deleted") | ~Q(storage_name=""),
                name="files_content_until_deleted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.state}"


class FileEventKind(models.TextChoices):
    STORED = "stored", _("uploaded")
    ATTACHED = "attached", _("attached")
    KEEP_UNTIL = "keep_until", _("retention set")
    DELETED = "deleted", _("deleted")


class FileEvent(Event):
    subject_field = "file"
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=FileEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("file event")
        verbose_name_plural = _("file events")

    def __str__(self) -> str:
        # Without the actor: an applicant's e-mail address must not show in the admin.
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M:%S}"
