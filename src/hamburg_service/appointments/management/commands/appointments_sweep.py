from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hamburg_service.appointments.services import holds_release_expired


class Command(BaseCommand):
    help = (
        "Release appointment holds that were not confirmed in time. With --every, keep doing "
        "it (several sweepers may run at once: every step locks what it changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="seconds between sweeps")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N sweeps")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            released = holds_release_expired()
            if released:
                self.stdout.write(f"Released {released} expired holds.")
            runs += 1
            if not options["every"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            close_old_connections()
            time.sleep(options["every"])
