"""Template context shared by every page: language switch and the staff links of the user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from hamburg_service.accounts.access import perms_of


def _switch_url(path: str, current: str, target: str) -> str:
    """The same page in `target`; also for paths that resolve to nothing (a 404 page)."""
    url = translate_url(path, target)
    if url != path or target == current:
        return url
    default = settings.LANGUAGE_CODE
    bare = (
        path[len(current) + 1 :] if current != default and path.startswith(f"/{current}/") else path
    )
    # One leading slash: "//evil.example/x" would be a link to another site.
    bare = "/" + bare.lstrip("/\\")
    return bare if target == default else f"/{target}{bare}"


def _with_choice(url: str, code: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={code}"


def site(request: HttpRequest) -> dict[str, Any]:
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    switch = [
        {
            "code": code,
            "name": name,
            # `lang` records the choice (core.middleware.LanguageChoiceMiddleware).
            "url": _with_choice(_switch_url(path, current, code), code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
    return {
        "language_switch": switch,
        "staff_perms": {p.value for p in perms_of(getattr(request, "user", None))},
    }
