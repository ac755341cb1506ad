from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "hamburg_service.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        # Every process that sends the outbox must know how these e-mails are written.
        # Its part of the person's record (people.panels).
        from hamburg_service.appointments import (
            mails,  # noqa: F401
            panels,  # noqa: F401
        )
