from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "hamburg_service.people"
    label = "people"
    verbose_name = _("Person record")

    def ready(self) -> None:
        # Every process that sends the outbox must know how these e-mails are written.
        from hamburg_service.people import information, mails  # noqa: F401
