"""Two (or four) clerks pressing "call next" at the same moment never get the same customer;
a process that dies right after issuing a ticket loses neither the ticket nor its place."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter as Tally
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from hamburg_service.visits import selectors
from hamburg_service.visits.models import Ticket, TicketEvent, TicketStatus
from hamburg_service.visits.services import calling, tickets
from tests.support.actors import RESIDENT
from tests.support.db import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_now(centre):
    """Open every day, all day, so the race does not depend on the clock."""
    from hamburg_service.catalog.models import ScheduleRule, WeeklySchedule

    today = timezone.localdate()
    for location in (centre.location, centre.other):
        schedule = WeeklySchedule.objects.create(location=location, valid_from=today)
        ScheduleRule.objects.bulk_create(
            ScheduleRule(schedule=schedule, weekday=d, opens="00:00", closes="23:59")
            for d in range(7)
        )
    return centre


def test_clerks_calling_at_once_never_get_the_same_ticket(open_now, clerk):
    from hamburg_service.catalog.models import Counter

    centre = open_now
    for _ in range(12):
        tickets.ticket_issue(location=centre.location, services=[centre.anmeldung], actor=RESIDENT)
    counters = [centre.both, centre.anmeldung_only]
    for n in range(4):
        extra = Counter.objects.create(location=centre.location, name=f"Extra {n}")
        extra.services.add(centre.anmeldung)
        counters.append(extra)
    called: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(counters))

    def work_at(counter) -> None:
        try:
            barrier.wait(timeout=10)
            while (ticket := calling.ticket_call_next(counter=counter, actor=clerk)) is not None:
                with lock:
                    called.append(ticket.pk)
                calling.ticket_finish(ticket=ticket, counter=counter, outcome="served", actor=clerk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work_at, args=(c,)) for c in counters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(called) == 12
    assert len(set(called)) == 12, "a ticket was called twice"
    per_ticket = Tally(
        TicketEvent.objects.filter(kind="called").values_list("ticket_id", flat=True)
    )
    assert set(per_ticket.values()) == {1}
    assert Ticket.objects.filter(status=TicketStatus.DONE).count() == 12


ISSUE_AND_DIE = """
import os, sys, django
sys.path.insert(0, {src!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_service.settings")
django.setup()
from hamburg_service.catalog.models import Location, Service
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services import tickets
ticket, _ = tickets.ticket_issue(
    location=Location.objects.get(slug="centre"),
    services=[Service.objects.get(slug="anmeldung")],
    actor=Actor.resident(),
)
print(ticket.number, flush=True)
os._exit(9)  # no clean shutdown: as if the server were killed
"""


def test_a_killed_process_loses_no_ticket_and_no_place(open_now, clerk):
    centre = open_now
    first, _ = tickets.ticket_issue(
        location=centre.location, services=[centre.anmeldung], actor=RESIDENT
    )
    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0"}
    result = subprocess.run(
        [sys.executable, "-c", ISSUE_AND_DIE.format(src=str(ROOT / "src"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 9, result.stderr
    number = result.stdout.strip()
    survivor = Ticket.objects.get(location=centre.location, number=number)
    assert selectors.position_of(first) == 1
    assert selectors.position_of(survivor) == 2
    assert calling.ticket_call_next(counter=centre.both, actor=clerk) == first
    assert calling.ticket_call_next(counter=centre.anmeldung_only, actor=clerk) == survivor
