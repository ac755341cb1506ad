from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.cases.simulate import SCENARIOS, report, simulate


class Command(BaseCommand):
    help = (
        "Measure the expected decision date on a simulated year: the share of cases decided by "
        "the 50 % and the 80 % date, and the mean absolute error (docs/cases.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scenario",
            action="append",
            choices=sorted(SCENARIOS),
            help="one of the simulated case types (default: all); may be repeated",
        )
        parser.add_argument("--seeds", type=int, default=3, help="runs per scenario (seeds 1..n)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seeds"] < 1:
            raise CommandError("--seeds must be at least 1.")
        names = options["scenario"] or list(SCENARIOS)
        started = time.monotonic()
        outcomes = [
            simulate(SCENARIOS[name], seed=seed)
            for name in names
            for seed in range(1, options["seeds"] + 1)
        ]
        self.stdout.write(report(outcomes))
        self.stdout.write(f"\n({time.monotonic() - started:.0f} s)")
