from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "hamburg_service.visits"
    label = "visits"
    verbose_name = _("On-site visits")

    def ready(self) -> None:
        # Every process that sends the outbox must know how these e-mails are written.
        # Its part of the person's record (people.panels).
        from hamburg_service.visits import (
            mails,  # noqa: F401
            panels,  # noqa: F401
        )
