"""Feedback from the public. Accessibility feedback is the BITV 2.0 feedback route."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessibilityFeedback(models.Model):
    """A barrier someone reports on the accessibility statement page.

    Name and e-mail are optional: only needed if the person wants an answer.
    """

    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    message = models.TextField(_("message"), max_length=5000)
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")
    handled = models.BooleanField(_("handled"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.message[:40]}"
