from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.visits.services.days import day_close


class Command(BaseCommand):
    help = "End of day: close open tickets with a reason and sign clerks out of their counters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--location", default="", help="one location (default: all)")
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--reason", default="End of day", help="recorded on each ticket")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = (
                dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
            )
        except ValueError as error:
            raise CommandError("--date must be a date as YYYY-MM-DD.") from error
        actor = Actor.system("visits_close_day")
        locations = Location.objects.all()
        if options["location"]:
            locations = locations.filter(slug=options["location"])
        total = sum(
            day_close(location=location, day=day, reason=options["reason"], actor=actor)
            for location in locations
        )
        self.stdout.write(f"Closed {total} open tickets of {day}.")
