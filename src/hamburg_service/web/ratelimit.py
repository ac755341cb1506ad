"""Per-client limits on search and booking (fixed windows in the shared cache).

Counts live in the cache (Redis in production, see docs/deploy.md), never in the database, so
a flood of searches costs no writes. They guard fairness, not correctness: seats are guarded by
the database.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from hamburg_service.errors import TooMany


def rate_limit(request: HttpRequest, *, group: str, rate: str) -> None:
    """Count this request for the client's address; raise TooMany (429) past `rate`."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=True)
    if usage is not None and usage["should_limit"]:
        wait = max(1, int(usage["time_left"]))
        raise TooMany(
            _("Too many requests from your connection. Please try again in %(seconds)d seconds.")
            % {"seconds": wait},
            retry_after=wait,
        )
