from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hamburg_service.accounts"
    label = "accounts"
    verbose_name = _("Staff and roles")
