"""Online services (docs/online-services.md): versioned form definitions, drafts that save at
each step, submissions that become cases, and hand-offs to outside systems."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.events import Event


class DefinitionState(models.TextChoices):
    DRAFT = "draft", _("draft (preview only)")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class FormDefinition(models.Model):
    """One version of an online service's form. A version someone filled in never changes:
    editing a published form saves a new version, and drafts and submissions keep theirs."""

    slug = models.SlugField(_("form"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=10, choices=DefinitionState.choices, default=DefinitionState.DRAFT
    )
    # The definition itself (forms/schema/definition.schema.json); the files in
    # forms/definitions/ are loaded as version 1 and newer when they change.
    content = models.JSONField(_("definition"))
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["slug", "-version"]
        verbose_name = _("form definition")
        verbose_name_plural = _("form definitions")
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="form_definition_version"),
            # At most one published version of a form at a time.
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(state="published"),
                name="form_definition_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class DraftState(models.TextChoices):
    OPEN = "open", _("being filled in")
    SUBMITTED = "submitted", _("submitted")
    EXPIRED = "expired", _("expired")


class Draft(models.Model):
    """An application being filled in: saved at every step. `revision` grows with each save;
    a step posted with an older revision (another tab, another device) is refused, never
    mixed in."""

    public_id = models.UUIDField(unique=True, editable=False)
    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="drafts")
    citizen = models.ForeignKey(
        "accounts.Citizen",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(max_length=10, choices=DraftState.choices, default=DraftState.OPEN)
    language = models.CharField(max_length=2, default="de")
    # {field key: value}; a repeatable group holds a list of {field key: value}; an upload
    # field a list of StoredFile public ids (owner `form-draft:<public_id>`).
    answers = models.JSONField(default=dict, blank=True)
    steps_done = models.JSONField(default=list, blank=True)  # step keys, in order
    revision = models.PositiveIntegerField(default=1)
    # The resume link (e-mailed to someone not signed in): only the token's hash is kept.
    email = models.EmailField(blank=True)
    resume_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    resume_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)  # deleted by the retention job after

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        indexes = [models.Index(fields=["citizen", "state"], name="draft_citizen")]

    def __str__(self) -> str:
        return str(self.public_id)


class DraftEventKind(models.TextChoices):
    STARTED = "started", _("started")
    STEP_SAVED = "step_saved", _("step saved")
    RESUME_LINK_SENT = "resume_link_sent", _("resume link sent")
    RESUMED = "resumed", _("resumed by link")
    STALE_REFUSED = "stale_refused", _("out-of-date step refused")
    SUBMITTED = "submitted", _("submitted")
    EXPIRED = "expired", _("expired")


class DraftEvent(Event):
    subject_field = "draft"
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=DraftEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("draft event")
        verbose_name_plural = _("draft events")


class Submission(models.Model):
    """A submitted application: the answers as submitted, the definition version they were
    filled in, the case it became and the receipt. Written in one transaction with its files
    and its case; `idempotency_key` makes a resent request return the same submission."""

    public_id = models.UUIDField(unique=True, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True)
    definition = models.ForeignKey(
        FormDefinition, on_delete=models.PROTECT, related_name="submissions"
    )
    draft = models.OneToOneField(
        Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="submission"
    )
    citizen = models.ForeignKey(
        "accounts.Citizen",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="submission")
    answers = models.JSONField()
    language = models.CharField(max_length=2, default="de")
    email = models.EmailField(blank=True)
    submitted_at = models.DateTimeField(db_index=True)
    expected_on = models.DateField(null=True, blank=True)
    receipt = models.ForeignKey(
        "files.StoredFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [models.Index(fields=["definition", "submitted_at"], name="submission_day")]

    def __str__(self) -> str:
        return str(self.public_id)


class HandoffState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    DONE = "done", _("delivered")
    FAILED = "failed", _("failed: needs staff")


class Handoff(models.Model):
    """A submission passed on to an outside system (an office's mailbox, a webhook, later
    XAusländer or FIT-Connect), retried with growing pauses; one that keeps failing is shown
    to staff and retried on request, never dropped."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="handoffs")
    kind = models.CharField(max_length=20)  # "email", "webhook"
    target = models.CharField(max_length=500)
    state = models.CharField(
        max_length=10, choices=HandoffState.choices, default=HandoffState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="handoff_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}"


class SubmissionEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    HANDOFF_DONE = "handoff_done", _("handed off")
    HANDOFF_FAILED = "handoff_failed", _("hand-off failed")
    HANDOFF_RETRIED = "handoff_retried", _("hand-off retried by staff")


class SubmissionEvent(Event):
    subject_field = "submission"
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=SubmissionEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")
