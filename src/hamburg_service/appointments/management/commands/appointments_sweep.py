from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hamburg_service.appointments.services import (
    closures_notify_affected,
    holds_release_expired,
    reminders_send_due,
)


class Command(BaseCommand):
    help = (
        "Release appointment holds not confirmed in time, send due reminders, tell people whose "
        "appointment a closure hits. With --every, keep doing it (several sweepers may run at "
        "once: every step locks what it changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="seconds between sweeps")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N sweeps")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            released = holds_release_expired()
            reminded = reminders_send_due()
            told = len(closures_notify_affected())
            if released or reminded or told:
                self.stdout.write(
                    f"Released {released} expired holds, sent {reminded} reminders, "
                    f"told {told} people about closures."
                )
            runs += 1
            if not options["every"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            close_old_connections()
            time.sleep(options["every"])
