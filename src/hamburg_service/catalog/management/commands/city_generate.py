from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hamburg_service.catalog.demo import city_generate


class Command(BaseCommand):
    help = "Generate a synthetic city of any size for benchmarks (seeded, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locations", type=int, default=31)
        parser.add_argument("--services", type=int, default=30)
        parser.add_argument("--counters", type=int, default=8, help="counters per location")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        report = city_generate(
            locations=options["locations"],
            services=options["services"],
            counters_per_location=options["counters"],
            seed=options["seed"],
        )
        self.stdout.write(f"Generated city: {report}")
