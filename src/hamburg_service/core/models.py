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


class RetentionRun(models.Model):
    """What a retention rule deleted or anonymised in one run (the report of docs/people.md
    "Retention"): the rule, the cut-off, how many — never what."""

    at = models.DateTimeField(_("at"), db_index=True)
    rule = models.CharField(_("rule"), max_length=60)
    before = models.DateTimeField(_("everything before"))
    count = models.PositiveIntegerField(_("deleted or anonymised"))

    class Meta:
        ordering = ["-at", "rule"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.rule}: {self.count}"


class DailyFact(models.Model):
    """An anonymised daily count that outlives the records it was counted from (retention
    deletes those): per day, what was counted (`name`, e.g. "people.moved_away") and an
    optional dimension (a location slug, a status). No personal data."""

    day = models.DateField(_("day"))
    name = models.CharField(_("what"), max_length=60)
    dimension = models.CharField(_("of"), max_length=60, blank=True)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "name", "dimension"], name="daily_fact_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name} {self.dimension}: {self.count}"
