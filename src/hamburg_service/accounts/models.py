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


class AccessLog(models.Model):
    """A member of staff read personal data: who, what, when, why. Kept for data-protection
    checks only."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    what = models.CharField(_("what was read"), max_length=100)
    scope = models.CharField(_("of whom or where"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.what} {self.scope}"
