from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hamburg_service.core.scheduler import jobs, scheduler_run, scheduler_tick


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of every app (holds, waitlist, reminders, closure notices, call "
        "notices, end of day, message delivery). Several schedulers may run at once: each job "
        "runs once per tick among them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass over the jobs, then stop")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
        parser.add_argument("--pause", type=float, default=1.0, help="seconds between passes")
        parser.add_argument("--list", action="store_true", help="list the jobs and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in jobs():
                when = f"every {job.every}" if job.every else f"daily at {job.daily_at}"
                self.stdout.write(f"{job.name}: {when}")
            return
        if options["once"]:
            ran = scheduler_tick()
            self.stdout.write(f"Ran {len(ran)} jobs: {', '.join(ran) or 'none due'}.")
            return
        scheduler_run(seconds=options["seconds"], pause=options["pause"])
