"""Load the online services' form definitions (forms/definitions/*.json) as versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.forms.definition import DEFINITIONS_DIR, DefinitionError
from hamburg_service.forms.loading import definitions_load


class Command(BaseCommand):
    help = "Load the form definitions: a changed file becomes a new published version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=DEFINITIONS_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = definitions_load(directory=options["directory"])
        except DefinitionError as error:
            raise CommandError("\n".join(error.problems)) from error
        for each in loaded:
            state = "new version" if each.new else "unchanged"
            self.stdout.write(f"{each.slug} v{each.version}: {state}")
