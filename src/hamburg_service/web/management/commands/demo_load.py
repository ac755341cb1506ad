from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hamburg_service.accounts.demo import DEMO_PASSWORD, demo_staff_ensure
from hamburg_service.cases.demo import case_types_ensure, demo_cases_ensure
from hamburg_service.catalog.demo import demo_city_load
from hamburg_service.forms.loading import definitions_load


class Command(BaseCommand):
    # In `web`, the top layer: the demo spans the catalogue, the staff and the cases.
    help = (
        "Load the Hamburg demo city, one demo login per staff role, the case types and a few "
        "demo applications (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_city_load()
        self.stdout.write(f"Demo city: {report}")
        staff = demo_staff_ensure()
        self.stdout.write(f"Demo staff: {staff}")
        self.stdout.write(f"Case types: {case_types_ensure()}")
        self.stdout.write(f"Demo cases: {demo_cases_ensure()}")
        self.stdout.write(f"Online forms: {len(definitions_load())} definitions")
        self.stdout.write(f"Demo logins use the password {DEMO_PASSWORD!r}.")
