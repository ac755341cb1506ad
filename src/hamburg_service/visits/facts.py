"""Figures of a visit computed from its events — never from a field a later step overwrites.

Waiting time: arrival to the first call (`Ticket.first_called_at`, written once). Time at the
counter: the stretches the ticket was called at a counter — from a call, a resume or a
transfer to a counter, until it is parked, transferred on, finished or given up — added up;
a recall does not start a new stretch, and parked time does not count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hamburg_service.visits.models import EventKind, TicketEvent

STARTS = frozenset({EventKind.CALLED, EventKind.CALLED_OUT_OF_ORDER, EventKind.RESUMED})
ENDS = frozenset({EventKind.PARKED, EventKind.FINISHED, EventKind.NO_SHOW, EventKind.CLOSED})


def handled_seconds(events: Iterable[TicketEvent]) -> int:
    """Seconds the ticket spent called at counters, from its events in order."""
    total = dt.timedelta()
    since: dt.datetime | None = None
    for event in sorted(events, key=lambda e: (e.at, e.pk or 0)):
        kind = event.kind
        if kind == EventKind.TRANSFERRED:
            if since is not None:
                total += event.at - since
            # Transferred straight to another counter, it is called there at once.
            since = event.at if event.data.get("to_counter") else None
        elif kind in STARTS:
            if since is None:
                since = event.at
        elif kind in ENDS and since is not None:
            total += event.at - since
            since = None
    return max(0, int(total.total_seconds()))
