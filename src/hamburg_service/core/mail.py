"""Development e-mail: printed to the console and kept as files under var/mail/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.message import EmailMessage


class ConsoleAndFileBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.console = ConsoleBackend(*args, **kwargs)
        path = settings.VAR_DIR / "mail"
        path.mkdir(parents=True, exist_ok=True)
        self.files = FileBackend(*args, **{**kwargs, "file_path": str(path)})

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.files.send_messages(email_messages)
        return self.console.send_messages(email_messages) or 0
