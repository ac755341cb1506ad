from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hamburg_service.appointments.services import (
    closures_notify_affected,
    holds_release_expired,
    past_seats_forget,
    reminders_send_due,
)
from hamburg_service.appointments.waitlist import (
    cancelled_seats_release_due,
    waitlist_offer_due,
    waitlist_settle,
)


class Command(BaseCommand):
    help = (
        "Release holds not confirmed in time, offer freed times to the waitlist, send due "
        "reminders, tell people whose appointment a closure hits. With --every, keep doing it "
        "(several sweepers may run at once: every step locks what it changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="seconds between sweeps")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N sweeps")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            released = holds_release_expired()
            waitlist_settle()
            offered = waitlist_offer_due()  # before held-back seats go to everyone
            freed = cancelled_seats_release_due()
            reminded = reminders_send_due()
            told = len(closures_notify_affected())
            past_seats_forget()
            if released or offered or freed or reminded or told:
                self.stdout.write(
                    f"Released {released} expired holds, offered {offered} times to the "
                    f"waitlist, freed {freed} cancelled seats, sent {reminded} reminders, "
                    f"told {told} people about closures."
                )
            runs += 1
            if not options["every"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            close_old_connections()
            time.sleep(options["every"])
