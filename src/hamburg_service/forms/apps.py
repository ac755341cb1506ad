from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "hamburg_service.forms"
    label = "online_forms"  # "forms" reads like Django's own module in migrations and admin
    verbose_name = _("Online services")
