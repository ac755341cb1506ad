"""Conditions of a form (JsonLogic, evaluated by the `json_logic` package — panzi-json-logic,
spec-complete pure Python): which steps and fields are shown for the answers given.

The data a condition reads is the answers dict plus "today" ("YYYY-MM-DD"); inside a
repeatable group also "item" (that item's own values). Conditions are evaluated in the
order of the form, and a field found hidden is taken out of the data before later
conditions read it: an answer left behind by a changed earlier choice never shows a step
or field again. A visible exit step ends the form; steps after it are not reached.

Within a step and within a group item, a field's condition reads the fields before it only
(as the step is checked when posted, fields.step_clean, in the same order): a condition
naming a later field of the same step or item reads it as not answered — the same when the
step is checked, shown and evaluated (`item_walk` builds a group item's data for all)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from json_logic import jsonLogic
from json_logic.builtins import to_bool

from hamburg_service.forms.definition import FieldSpec, FormSpec, StepSpec

logger = logging.getLogger(__name__)


def condition_true(logic: Any, data: dict[str, Any]) -> bool:
    """True when there is no condition or it holds; a rule that fails to evaluate (a
    number compared with an address) counts as false and is logged."""
    if logic is None:
        return True
    try:
        return bool(to_bool(jsonLogic(logic, data)))
    except Exception:  # a rule of the definition, not the user's input
        logger.warning("form condition failed: %r", logic, exc_info=True)
        return False


def item_walk(
    group: FieldSpec, data: dict[str, Any], value_of: Callable[[FieldSpec], Any]
) -> tuple[list[FieldSpec], dict[str, Any]]:
    """One group item in the form's order: its shown children and the values of the shown
    inputs. A child's condition reads `data` and "item" = the values of the shown inputs
    before it; `value_of(child)` gives a shown input's value (checked, stored or as typed)."""
    item: dict[str, Any] = {}
    context = {**data, "item": item}
    shown: list[FieldSpec] = []
    for child in group.fields:
        if child.show_if is not None and not condition_true(child.show_if, context):
            continue
        shown.append(child)
        if child.is_input:
            item[child.key] = value_of(child)
    return shown, item


def _item_visible(group: FieldSpec, item: Any, data: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {}
    _shown, values = item_walk(group, data, lambda child: item.get(child.key))
    return {key: value for key, value in values.items() if key in item}


class Evaluation:
    """One pass over the form: visible steps (up to a visible exit), visible fields per step,
    the visible answers."""

    def __init__(self, spec: FormSpec, answers: dict[str, Any], *, today: dt.date) -> None:
        data: dict[str, Any] = dict(answers)
        data["today"] = today.isoformat()
        self.steps: list[StepSpec] = []
        self.fields: dict[str, list[FieldSpec]] = {}
        self.exit: StepSpec | None = None
        self.answers: dict[str, Any] = {}
        for step in spec.steps:
            if not condition_true(step.show_if, data):
                for spec_field in step.fields:
                    data.pop(spec_field.key, None)
                continue
            self.steps.append(step)
            if step.exit:
                self.exit = step
                break
            shown: list[FieldSpec] = []
            for spec_field in step.fields:
                data.pop(spec_field.key, None)  # read only by the fields after it
            for spec_field in step.fields:
                if spec_field.show_if is not None and not condition_true(spec_field.show_if, data):
                    continue
                shown.append(spec_field)
                if spec_field.is_input and spec_field.key in answers:
                    value = answers[spec_field.key]
                    if spec_field.type == "group":
                        value = [
                            _item_visible(spec_field, item, data)
                            for item in (value if isinstance(value, list) else [])
                        ]
                    data[spec_field.key] = value
                    self.answers[spec_field.key] = value
            self.fields[step.key] = shown
        self.data = data


def evaluate(spec: FormSpec, answers: dict[str, Any], *, today: dt.date) -> Evaluation:
    return Evaluation(spec, answers, today=today)


def visible_steps(spec: FormSpec, answers: dict[str, Any], *, today: dt.date) -> list[StepSpec]:
    """The steps shown for these answers, in order, ending at the first visible exit step."""
    return Evaluation(spec, answers, today=today).steps


def visible_answers(spec: FormSpec, answers: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Only the answers of visible fields (in groups: each item's visible fields)."""
    return Evaluation(spec, answers, today=today).answers


def exit_step(spec: FormSpec, answers: dict[str, Any], *, today: dt.date) -> StepSpec | None:
    """The exit step these answers lead to ("you cannot apply online because …"), if any."""
    return Evaluation(spec, answers, today=today).exit


def item_fields(group: FieldSpec, item: dict[str, Any], data: dict[str, Any]) -> list[FieldSpec]:
    """The fields of one group item shown for its values."""
    return item_walk(group, data, lambda child: item.get(child.key))[0]
