from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.core.db import statistics_refresh
from hamburg_service.people.generate import GenerateError, people_generate


class Command(BaseCommand):
    help = (
        "Generate a seeded synthetic Hamburg-like population (names of many origins, address "
        "histories, documents, about 16 %% with residence titles). No events are written for "
        "generated people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=10_000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = people_generate(
                count=options["count"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=lambda message: (
                    self.stdout.write(message) if options["verbosity"] > 1 else None
                ),
            )
        except GenerateError as error:
            raise CommandError(str(error)) from error
        statistics_refresh()  # the planner must know the register's size (core.db)
        self.stdout.write(f"Generated people: {report}")
