from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "hamburg_service.portal"
    verbose_name = _("My account")

    def ready(self) -> None:
        # The sign-in e-mail's renderer, known to every process (the sender's too).
        from hamburg_service.portal import mails  # noqa: F401
