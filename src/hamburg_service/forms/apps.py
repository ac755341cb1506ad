from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsConfig(AppConfig):
    name = "hamburg_service.forms"
    label = "online_forms"  # "forms" reads like Django's own module in migrations and admin
    verbose_name = _("Online services")

    def ready(self) -> None:
        # Every process that sends the outbox must know how the resume-link e-mail is written.
        # The online application's panel on the staff case page (cases.case_panels).
        # The submission handlers (and the change of address's decision effect, registered
        # with cases.letters), the receipt and hand-off e-mails, the hand-offs' job.
        from hamburg_service.forms import (  # noqa: F401
            handlers,
            handoff_jobs,
            handoffs,
            mails,
            panels,
            receipt,
        )
