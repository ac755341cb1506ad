from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses and no app owns: errors, database helpers, forms, the page layout,
    captcha, rate limits, QR codes, the event base, the actor, the scheduler."""

    name = "hamburg_service.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the system checks (signing: the production keys).
        from hamburg_service.core import checks, signing  # noqa: F401
