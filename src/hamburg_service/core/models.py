"""Core tables: the scheduler's state of each periodic job."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.Model):
    """When a periodic job runs next, and how its last runs went. A scheduler claims a run by
    moving `next_run_at` forward with a conditional update, so among any number of schedulers
    exactly one runs each tick."""

    name = models.CharField(_("job"), max_length=80, unique=True)
    next_run_at = models.DateTimeField(_("next run"))
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=200, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failed runs"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
