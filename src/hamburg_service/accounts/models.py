"""Staff users, their roles and the locations they work at."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    CLERK = "clerk", _("Counter clerk")
    CASEWORKER_REGISTRATION = "caseworker_registration", _("Registration caseworker")
    CASEWORKER_IMMIGRATION = "caseworker_immigration", _("Immigration caseworker")
    LOCATION_LEAD = "location_lead", _("Location lead")
    MANAGER = "manager", _("Manager (city-wide)")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A member of staff. Residents do not get accounts here (citizen sign-in comes later)."""

    locations = models.ManyToManyField(
        "catalog.Location",
        blank=True,
        related_name="staff",
        verbose_name=_("locations"),
        help_text=_("The locations this person works at."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @property
    def role_codes(self) -> frozenset[str]:
        # Cached per request object: permission checks run many times on one page.
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class AccessPurpose(models.TextChoices):
    """Why a member of staff read personal data (§40 BMG asks for the purpose of every read)."""

    FRONT_DESK = "front_desk", _("Front desk: today's appointments")
    COUNTER = "counter", _("Counter: the person being served")
    APPOINTMENT_BOOK = "appointment_book", _("Appointment book of a location")
    FIND_FOR_CALLER = "find_for_caller", _("Finding an appointment for a caller")
    APPOINTMENT_DETAILS = "appointment_details", _("Details of an appointment")
    CLOSURE = "closure", _("Appointments hit by a closure, to move them")


class DataCategory(models.TextChoices):
    """What kind of personal data a read showed (never the data itself)."""

    NAME = "name", _("name")
    CONTACT = "contact", _("e-mail and phone")
    APPOINTMENT = "appointment", _("appointment: place, time, services")
    HISTORY = "history", _("history of changes")


class AccessLog(models.Model):
    """A member of staff read personal data: who, whose or which, what kinds, when, why.
    Written only by `accounts.access.access_record`; kept for data-protection checks only."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    subject_type = models.CharField(_("what was read"), max_length=40)
    subject_ref = models.CharField(_("which"), max_length=200)
    location = models.ForeignKey(
        "catalog.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    categories = models.JSONField(_("data categories shown"), default=list)
    purpose = models.CharField(_("purpose"), max_length=40, choices=AccessPurpose.choices)
    case_reference = models.CharField(_("case or appointment reference"), max_length=40, blank=True)
    criteria = models.JSONField(_("search criteria"), null=True, blank=True)
    hits = models.PositiveIntegerField(_("results"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.subject_type} {self.subject_ref}"
