from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hamburg_service.appointments.availability import counter_days_rebuild


class Command(BaseCommand):
    help = "Recompute the per-counter-day occupancy masks from the seat claims (repair tool)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Rebuilt {counter_days_rebuild()} counter-day masks.")
