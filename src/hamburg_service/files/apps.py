from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    """Uploads shared by cases and online forms: checked by content, stored outside the web
    root, served only through the owning app (docs/uploads.md)."""

    name = "hamburg_service.files"
    label = "files"
    verbose_name = _("Uploads")

    def ready(self) -> None:
        # Registers the system check: uploads never under the static files.
        from hamburg_service.files import checks  # noqa: F401
