from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "hamburg_service.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Every process that sends the outbox must know how these e-mails are written; the
        # letters register their verification with the public page (core.verification).
        from hamburg_service.cases import (  # noqa: F401
            letters,
            mails,
            panels,
            provisional,
            request_mails,
        )
