"""The answers laid out by step, as people read them: for the summary page before
submitting, the receipt PDF and the staff panel of the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hamburg_service.forms.definition import FieldSpec, FormSpec
from hamburg_service.forms.logic import evaluate
from hamburg_service.people.checks import today_in_hamburg


@dataclass(frozen=True, slots=True)
class AnswerRow:
    key: str
    label: str
    text: str  # "" when not answered
    files: list[str] = field(default_factory=list)  # StoredFile public ids


@dataclass(frozen=True, slots=True)
class StepAnswers:
    key: str
    title: str
    rows: list[AnswerRow]


def date_text(value: str) -> str:
    """ "1985-03-04" → 04.03.1985, "1985-03" → 03.1985, "1985" stays."""
    parts = str(value).split("-")
    return ".".join(reversed(parts))


def address_text(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    street = " ".join(p for p in (value.get("street", ""), value.get("house_number", "")) if p)
    place = " ".join(p for p in (value.get("postcode", ""), value.get("city", "")) if p)
    return ", ".join(p for p in (street, place) if p)


def value_text(spec: FieldSpec, value: Any, language: str) -> str:
    """One answer as text in `language`."""
    if value is None or value == "" or value == []:
        return ""
    kind = spec.type
    if kind in ("yesno", "checkbox"):
        return _("Yes") if value is True else _("No")
    if kind == "choice":
        values = value if isinstance(value, list) else [value]
        return ", ".join(
            (o.label(language) if (o := spec.option(str(v))) else str(v)) for v in values
        )
    if kind == "date":
        return date_text(value)
    if kind == "address":
        return address_text(value)
    if kind == "number":
        try:
            return str(formats.number_format(Decimal(str(value)), use_l10n=True))
        except (InvalidOperation, ValueError):
            return str(value)
    if kind == "file":
        count = len(value) if isinstance(value, list) else 0
        return ngettext("%(count)d file", "%(count)d files", count) % {"count": count}
    return str(value)


def _rows(spec: FieldSpec, value: Any, language: str) -> list[AnswerRow]:
    if spec.type == "group":
        items = value if isinstance(value, list) else []
        rows = [
            AnswerRow(
                key=spec.key,
                label=spec.label(language),
                text=ngettext("%(count)d entry", "%(count)d entries", len(items))
                % {"count": len(items)},
            )
        ]
        for index, item in enumerate(items, start=1):
            for child in spec.fields:
                if child.is_input and isinstance(item, dict) and child.key in item:
                    rows.append(
                        AnswerRow(
                            key=f"{spec.key}.{index - 1}.{child.key}",
                            label=f"{spec.item_label(language)} {index}: {child.label(language)}",
                            text=value_text(child, item[child.key], language),
                        )
                    )
        return rows
    files = [str(v) for v in value] if spec.type == "file" and isinstance(value, list) else []
    return [
        AnswerRow(
            key=spec.key,
            label=spec.label(language),
            text=value_text(spec, value, language),
            files=files,
        )
    ]


def answers_by_step(
    spec: FormSpec, answers: dict[str, Any], language: str, *, today: dt.date | None = None
) -> list[StepAnswers]:
    """The visible steps (exit steps left out) with a row per visible, answered field —
    texts in `language`. Submitted answers hold only visible fields already; `today`
    matters only for conditions that read it: for a submission pass the day it was submitted
    (`today_in_hamburg(submission.submitted_at)`); the default is today in Hamburg (for a
    draft)."""
    evaluation = evaluate(spec, answers, today=today or today_in_hamburg(timezone.now()))
    result: list[StepAnswers] = []
    with translation.override(language):
        for step in evaluation.steps:
            if step.exit:
                continue
            rows: list[AnswerRow] = []
            for spec_field in evaluation.fields.get(step.key, []):
                if spec_field.is_input and spec_field.key in evaluation.answers:
                    rows.extend(_rows(spec_field, evaluation.answers[spec_field.key], language))
            result.append(StepAnswers(key=step.key, title=step.title(language), rows=rows))
    return result
