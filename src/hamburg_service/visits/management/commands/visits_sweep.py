from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hamburg_service.visits.services import call_notices_send


class Command(BaseCommand):
    help = "Send 'you will be called soon' e-mails. With --every, keep doing it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="seconds between sweeps")
        parser.add_argument("--max-runs", type=int, default=0, help="stop after N sweeps")

    def handle(self, *args: Any, **options: Any) -> None:
        runs = 0
        while True:
            sent = call_notices_send()
            if sent:
                self.stdout.write(f"Sent {sent} call notices.")
            runs += 1
            if not options["every"] or (options["max_runs"] and runs >= options["max_runs"]):
                return
            close_old_connections()
            time.sleep(options["every"])
