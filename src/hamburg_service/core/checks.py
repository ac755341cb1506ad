"""System checks of a production set-up (`manage.py check --deploy`, and every start of a
production process): what works on one development process but silently breaks with several."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Production needs a cache shared by all processes: rate limits and used captcha
    solutions are counted there."""
    if not settings.PRODUCTION:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PROCESS_LOCAL_CACHES:
        return [
            Error(
                "Production needs a cache shared by all processes (CACHE_URL=redis://…): with "
                f"{backend.rsplit('.', 1)[-1]} every worker counts rate limits for itself and "
                "accepts each captcha solution once more.",
                hint="Set CACHE_URL to a Redis server (docs/deploy.md).",
                id="hamburg.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def behind_a_proxy(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """TLS ends at a proxy (docs/deploy.md): without TRUSTED_PROXIES every client would share
    the proxy's address in the rate limits and the sign-in lockout."""
    if settings.PRODUCTION and settings.TRUSTED_PROXIES <= 0:
        return [
            Warning(
                "TRUSTED_PROXIES is 0: behind a load balancer or reverse proxy every client "
                "shares its address, so one client's limits and sign-in lockouts hit everyone.",
                hint="Set TRUSTED_PROXIES to the number of proxies in front (docs/deploy.md).",
                id="hamburg.W001",
            )
        ]
    return []
