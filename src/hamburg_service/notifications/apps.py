from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The outbox: every message to a resident, rendered in their language and sent with
    retries."""

    name = "hamburg_service.notifications"
    label = "notifications"
    verbose_name = _("Messages")
