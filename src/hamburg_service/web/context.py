"""Template context shared by every page: language switch and the staff links of the user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from hamburg_service.accounts.permissions import perms_of


def site(request: HttpRequest) -> dict[str, Any]:
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    switch = [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]
    return {
        "language_switch": switch,
        "staff_perms": {p.value for p in perms_of(getattr(request, "user", None))},
    }
