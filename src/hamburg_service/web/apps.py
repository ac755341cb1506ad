from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The public site's shared layer: layout, language switch, health check, error pages."""

    name = "hamburg_service.web"
    label = "web"
    verbose_name = _("Public site")
