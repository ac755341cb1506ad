from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "hamburg_service.people"
    label = "people"
    verbose_name = _("Person record")
