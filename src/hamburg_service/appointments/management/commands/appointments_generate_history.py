from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.appointments.history import HistoryError, history_generate


class Command(BaseCommand):
    help = (
        "Generate a seeded appointment book for benchmarks on the city in the database "
        "(city_generate): a year of past visits and a future filling with lead time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days-back", type=int, default=365)
        parser.add_argument("--days-ahead", type=int, default=180)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--fill-near",
            type=float,
            default=0.95,
            help="share of the public capacity booked in the next 10 days",
        )
        parser.add_argument("--fill-far", type=float, default=0.1, help="… 30 days ahead and later")
        parser.add_argument("--fill-past", type=float, default=1.0, help="… on past days")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("fill_near", "fill_far", "fill_past"):
            if not 0.0 <= options[name] <= 1.0:
                raise CommandError(f"--{name.replace('_', '-')} must lie between 0 and 1.")
        if options["days_back"] < 0 or options["days_ahead"] < 0 or options["batch_size"] < 1:
            raise CommandError("Days must not be negative, the batch size must be positive.")
        try:
            report = history_generate(
                days_back=options["days_back"],
                days_ahead=options["days_ahead"],
                seed=options["seed"],
                fill_near=options["fill_near"],
                fill_far=options["fill_far"],
                fill_past=options["fill_past"],
                batch_size=options["batch_size"],
                progress=lambda message: (
                    self.stdout.write(message) if options["verbosity"] > 1 else None
                ),
            )
        except HistoryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Generated appointment history: {report}")
