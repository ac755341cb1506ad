"""Panels that apps above `cases` add to the staff case page: the online application's
answers by step and its files (forms.panels). The case page cannot import them; they register
a source here (in their AppConfig.ready) and the page shows what each returns for the case —
after the page's own read of the case, so only staff who may open the case see them.

A source writes its own access-log entry when it shows personal data (it knows which)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hamburg_service.cases.models import Case
from hamburg_service.core.actors import Actor


@dataclass(frozen=True, slots=True)
class CasePanel:
    title: str
    template: str  # rendered with `panel` (this) and `case`
    context: dict[str, Any] = field(default_factory=dict)


CasePanelSource = Callable[[Case, Actor], CasePanel | None]
_SOURCES: dict[str, CasePanelSource] = {}


def case_panel_register(key: str, source: CasePanelSource) -> None:
    """Show what `source(case, actor)` returns on every case page (None: nothing for this
    case); idempotent by key, shown in the order of the keys."""
    _SOURCES[key] = source


def case_panels_for(case: Case, actor: Actor) -> list[CasePanel]:
    panels = (_SOURCES[key](case, actor) for key in sorted(_SOURCES))
    return [panel for panel in panels if panel is not None]
