from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hamburg_service.core.actors import Actor
from hamburg_service.core.db import statistics_refresh
from hamburg_service.people.importing import (
    FormatError,
    people_import,
    records_from_csv,
    records_from_jsonl,
)


class Command(BaseCommand):
    help = (
        "Import people from a CSV file (one person and their current residence a row) or JSON "
        "lines (.jsonl: one person a line with all residences, documents and titles); see "
        "docs/people.md. Rows with errors are reported by number and left out; people whose "
        "external_id was imported before are skipped. Exits with status 1 if any row had errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=("csv", "jsonl"), default=None)
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        kind = options["format"] or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
        if options["batch_size"] < 1:
            raise CommandError("The batch size must be positive.")
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                records = records_from_csv(stream) if kind == "csv" else records_from_jsonl(stream)
                report = people_import(
                    records,
                    actor=Actor.system("people.import"),
                    batch_size=options["batch_size"],
                    dry_run=options["dry_run"],
                )
        except (OSError, FormatError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        if report.imported and not options["dry_run"]:
            statistics_refresh()  # the planner must know the register's size (core.db)
        for problem in report.errors:
            self.stderr.write(str(problem))
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{report.rows} rows: {verb} {report.imported}, {report.already_imported} imported "
            f"before, {len(report.rows_with_errors)} with errors"
        )
        if report.errors:
            raise CommandError(
                f"Rows with errors: {', '.join(map(str, report.rows_with_errors[:50]))}",
                returncode=1,
            )
