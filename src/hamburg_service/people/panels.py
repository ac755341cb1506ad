"""What other apps know of a person, shown on the person's record ("one person, one view"):
appointments, visits and, later, cases. The apps above `people` register a source here (in
their AppConfig.ready) — the record cannot import them — and `people.access.person_for` reads
every source inside its one logged read: one query per source, however long the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hamburg_service.accounts.models import DataCategory


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    template: str  # renders `panel.rows`
    rows: list[Any] = field(default_factory=list)
    category: DataCategory = DataCategory.APPOINTMENT


PanelSource = Callable[[int], Panel]
_SOURCES: dict[str, PanelSource] = {}


def panel_register(name: str, source: PanelSource) -> None:
    """Show what `source(person_id)` returns on every person's record (idempotent by name)."""
    _SOURCES[name] = source


def panels_for(person_id: int) -> list[Panel]:
    return [_SOURCES[name](person_id) for name in sorted(_SOURCES)]
