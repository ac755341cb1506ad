from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.cases.generate import GenerateError, cases_generate
from hamburg_service.core.db import statistics_refresh


class Command(BaseCommand):
    help = (
        "Generate a seeded year of cases: caseworkers with skills and teams, closed cases with "
        "their history over the window, and open cases in the pool and with caseworkers "
        "(docs/benchmarks.md, 'Cases')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--open", type=int, required=True, help="undecided cases")
        parser.add_argument("--closed", type=int, required=True, help="decided or withdrawn")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=365, help="the window of arrivals")
        parser.add_argument("--batch-size", type=int, default=10_000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = cases_generate(
                open_count=options["open"],
                closed_count=options["closed"],
                seed=options["seed"],
                days=options["days"],
                batch_size=options["batch_size"],
                progress=lambda message: (
                    self.stdout.write(message) if options["verbosity"] > 1 else None
                ),
            )
        except GenerateError as error:
            raise CommandError(str(error)) from error
        statistics_refresh()  # the planner must know the tables' sizes (core.db)
        self.stdout.write(f"Generated cases: {report}")
