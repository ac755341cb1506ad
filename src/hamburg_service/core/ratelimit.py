"""Per-client limits (sliding windows in the shared cache) and the one client-address function.

Counts live in the cache (Redis in production, see docs/deploy.md), never in the database, so
a flood of searches costs no writes. They guard fairness, not correctness: seats are guarded by
the database. A sliding window (the current window's count plus the previous window's, weighted
by how much of it still lies within the last `period`) never lets a burst at a window's edge
through twice, and never locks out for a whole window after a short burst.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.core.errors import TooMany

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/m' -> (120, 60); '5/10m' -> (5, 600)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Not a rate: {rate!r} (write it as 120/m, 10/h or 5/10m)")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _SECONDS[unit]


def client_address(request: HttpRequest) -> str:
    """The address of the client: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies the address
    the outermost of them saw (the TRUSTED_PROXIES-th entry of X-Forwarded-For from the right).
    Entries a client wrote itself lie further left and are never used; a missing, short or
    malformed header falls back to REMOTE_ADDR."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _wait(count: int, before: int, into: float, limit: int) -> float:
    """In periods: how long until `count + before * (1 - into)` falls to `limit` — within this
    window as the previous one's weight fades, or else in the next."""
    if count <= limit and before:
        return max(0.0, 1 - (limit - count) / before - into)
    others = max(1, count - 1)
    return (1 - into) + max(0.0, 1 - (limit - 1) / others)


def rate_limit(request: HttpRequest, *, group: str, rate: str, key: str = "") -> None:
    """Count this request for the client's address (or `key`); TooMany (429) past `rate`."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    limit, period = parse_rate(rate)
    who = key or f"ip:{client_address(request)}"
    now = time.time()
    window = int(now // period)
    current = f"rl:{group}:{who}:{window}"
    previous = f"rl:{group}:{who}:{window - 1}"
    cache.add(current, 0, timeout=2 * period + 1)
    count = cache.incr(current)
    before = cache.get(previous, 0)
    into = (now % period) / period
    used = count + before * (1 - into)
    if used <= limit:
        return
    cache.decr(current)  # a refused request does not count against the client
    wait = max(1, math.ceil(_wait(count, before, into, limit) * period - 1e-6))
    minutes = math.ceil(wait / 60)
    raise TooMany(
        ngettext(
            "Too many requests from your connection. Please try again in %(minutes)d minute, "
            "or call 115.",
            "Too many requests from your connection. Please try again in %(minutes)d minutes, "
            "or call 115.",
            minutes,
        )
        % {"minutes": minutes}
        if wait >= 60
        else _("Too many requests from your connection. Please try again in %(seconds)d seconds.")
        % {"seconds": wait},
        code="rate-limited",
        retry_after=wait,
    )
