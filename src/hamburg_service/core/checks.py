"""System checks of a production set-up (`manage.py check --deploy`, which `make
serve-production` runs before it starts gunicorn, and which a deployment runs before it
switches over; docs/deploy.md): what works on one development process but silently breaks
with several, behind a proxy, or in the open. Each is an error, so the check fails."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

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
def behind_a_proxy(app_configs: Any, **kwargs: Any) -> list[Error]:
    """TLS ends at a proxy (docs/deploy.md): with a wrong TRUSTED_PROXIES every client shares
    the proxy's address in the rate limits and the sign-in lockout, or sets its own."""
    if settings.PRODUCTION and not settings.TRUSTED_PROXIES_SET:
        return [
            Error(
                "TRUSTED_PROXIES is not set: behind a load balancer or reverse proxy every "
                "client would share its address, so one client's limits and sign-in lockouts "
                "would hit everyone.",
                hint="Set TRUSTED_PROXIES to the number of proxies in front, 0 for none "
                "(docs/deploy.md).",
                id="hamburg.E002",
            )
        ]
    return []


PROTECTIONS = {
    "RATE_LIMITS_ENABLED": "the rate limits",
    "CAPTCHA_ENABLED": "the proof-of-work check of online booking",
    "AXES_ENABLED": "the sign-in lockout",
    # Without it a booking answers at once, and so tells whether an address has booked before.
    "BOOKING_CONFIRM_BY_EMAIL": "confirmation by e-mail and the limits per address",
}


@register(Tags.security, deploy=True)
def protections_on(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The switches that load tests turn off must be on in production."""
    if not settings.PRODUCTION:
        return []
    return [
        Error(
            f"{name} is off: {what} do not protect this set-up.",
            hint=f"Remove {name}=false from the environment (only benchmarks turn it off).",
            id="hamburg.E003",
        )
        for name, what in PROTECTIONS.items()
        if not getattr(settings, name)
    ]
