"""A form definition (forms/schema/definition.schema.json) parsed into frozen dataclasses.

`definition_check(content)` validates a definition — the JSON Schema first, then what a
schema cannot say: keys unique across the whole form (the answers are one flat dict),
conditions that name existing keys and known JsonLogic operations, patterns that compile,
bounds that fit — and returns the `FormSpec`, or raises `DefinitionError` with *every*
problem found (an administrator fixes them all at once). `spec_of(definition)` parses a
stored version once per process (a version's content never changes once used)."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.utils.translation import gettext as _
from json_logic.builtins import BUILTINS

from hamburg_service.core.errors import NotFound
from hamburg_service.forms.models import DefinitionState, FormDefinition

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "definition.schema.json"
DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
LANGUAGES = ("de", "en")
INPUT_TYPES = frozenset(
    {"text", "name", "email", "textarea", "number", "date", "choice", "yesno", "checkbox"}
    | {"address", "file", "group"}
)
# JsonLogic's operations with a logic of their own (the package evaluates them itself).
_CONTROL_OPS = frozenset(
    {"if", "?:", "and", "or", "filter", "reduce", "map", "all", "some", "none"}
)
_ITEM_OPS = frozenset({"filter", "reduce", "map", "all", "some", "none"})
DEFAULT_TEXT_LENGTH = 200
DEFAULT_TEXTAREA_LENGTH = 2000
DEFAULT_RESUME_DAYS = 7
_BOUND = re.compile(r"^([+-])(\d{1,4})([ymwd])$")

Texts = dict[str, str]


def text_in(texts: Texts | None, language: str) -> str:
    """The text in `language`, German when there is none."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("de") or next(iter(texts.values()), "")


class DefinitionError(Exception):
    """A definition that cannot be used: every problem, each naming where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True, eq=False)
class OptionSpec:
    value: str
    labels: Texts

    def label(self, language: str) -> str:
        return text_in(self.labels, language)


@dataclass(frozen=True, slots=True, eq=False)
class FieldSpec:
    key: str
    type: str
    step: str  # the key of its step
    group: str = ""  # the key of its group, for a field inside a repeatable group
    labels: Texts = field(default_factory=dict)
    helps: Texts = field(default_factory=dict)
    texts: Texts = field(default_factory=dict)  # info
    required: bool = False
    show_if: Any = None
    prefill: str = ""
    # text, name, email, textarea
    max_length: int = DEFAULT_TEXT_LENGTH
    pattern: re.Pattern[str] | None = None
    pattern_messages: Texts = field(default_factory=dict)
    # number (min/max also date bounds as written, and group item counts)
    min: Any = None
    max: Any = None
    decimals: int = 0
    # date
    partial: bool = False
    # choice
    options: tuple[OptionSpec, ...] = ()
    multiple: bool = False
    widget: str = ""
    # address
    hamburg: bool = False
    # file
    max_files: int = 1
    max_mb: float | None = None
    file_types: tuple[str, ...] = ("pdf", "jpeg", "png")
    # group
    fields: tuple[FieldSpec, ...] = ()
    item_labels: Texts = field(default_factory=dict)

    @property
    def is_input(self) -> bool:
        return self.type in INPUT_TYPES

    def label(self, language: str) -> str:
        return text_in(self.labels, language)

    def help(self, language: str) -> str:
        return text_in(self.helps, language)

    def text(self, language: str) -> str:
        return text_in(self.texts, language)

    def item_label(self, language: str) -> str:
        return text_in(self.item_labels, language)

    def pattern_message(self, language: str) -> str:
        return text_in(self.pattern_messages, language)

    def option(self, value: str) -> OptionSpec | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def min_items(self) -> int:
        return int(self.min or 0)

    @property
    def max_items(self) -> int:
        return int(self.max or 20)


@dataclass(frozen=True, slots=True, eq=False)
class StepSpec:
    key: str
    titles: Texts
    intros: Texts = field(default_factory=dict)
    texts: Texts = field(default_factory=dict)  # an exit step's explanation
    show_if: Any = None
    exit: bool = False
    fields: tuple[FieldSpec, ...] = ()

    def title(self, language: str) -> str:
        return text_in(self.titles, language)

    def intro(self, language: str) -> str:
        return text_in(self.intros, language)

    def text(self, language: str) -> str:
        return text_in(self.texts, language)

    @property
    def inputs(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.is_input)

    @property
    def has_files(self) -> bool:
        return any(f.type == "file" for f in self.fields)


@dataclass(frozen=True, slots=True, eq=False)
class FormSpec:
    slug: str
    titles: Texts
    intros: Texts
    case_type: str
    handler: str
    trust_level: str
    resume_days: int
    steps: tuple[StepSpec, ...]
    handoffs: tuple[dict[str, str], ...]
    case_map: dict[str, Any]
    needs: tuple[Texts, ...] = ()
    content_hash: str = ""
    fields_by_key: dict[str, FieldSpec] = field(default_factory=dict)
    steps_by_key: dict[str, StepSpec] = field(default_factory=dict)

    def title(self, language: str) -> str:
        return text_in(self.titles, language)

    def intro(self, language: str) -> str:
        return text_in(self.intros, language)

    def need_texts(self, language: str) -> list[str]:
        return [text_in(n, language) for n in self.needs]

    def field(self, key: str) -> FieldSpec:
        """Any field of the form (inside groups too); KeyError for an unknown key."""
        return self.fields_by_key[key]

    def step(self, key: str) -> StepSpec:
        return self.steps_by_key[key]

    @property
    def input_steps(self) -> tuple[StepSpec, ...]:
        return tuple(s for s in self.steps if not s.exit)


def content_hash(content: dict[str, Any]) -> str:
    """The SHA-256 of the definition in a canonical JSON form (key order, spacing ignored)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _where(path: Any) -> str:
    return "/".join(str(p) for p in path) or "(top)"


def _schema_errors(error: jsonschema.ValidationError) -> Iterator[str]:
    """One message per real problem: a field that matches none of the field kinds is told
    what is wrong for the kind its `type` names (oneOf's own message says nothing)."""
    if error.validator == "oneOf" and error.context:
        chosen = [
            e
            for e in error.context
            if not (e.validator in ("const", "enum") and list(e.relative_path) == ["type"])
        ]
        branches = {e.relative_schema_path[0] for e in error.context if e.relative_schema_path}
        failed_on_type = {
            e.relative_schema_path[0]
            for e in error.context
            if e.validator in ("const", "enum") and list(e.relative_path) == ["type"]
        }
        if branches and branches == failed_on_type:
            kind = error.instance.get("type") if isinstance(error.instance, dict) else None
            yield f"{_where(error.absolute_path)}: unknown field type {kind!r}"
            return
        for sub in chosen:
            if sub.relative_schema_path and sub.relative_schema_path[0] in failed_on_type:
                continue
            yield from _schema_errors(sub)
        return
    yield f"{_where(error.absolute_path)}: {error.message}"


def _vars(logic: Any, *, inside_item_op: bool = False) -> Iterator[tuple[str, bool]]:
    """The variable names a JsonLogic rule reads (and whether they are read per element of
    an array operation, where they name the element's own keys)."""
    if isinstance(logic, list):
        for item in logic:
            yield from _vars(item, inside_item_op=inside_item_op)
        return
    if not isinstance(logic, dict) or len(logic) != 1:
        return
    op, args = next(iter(logic.items()))
    if op == "var":
        name = args[0] if isinstance(args, list) and args else args
        if isinstance(name, str):
            yield name, inside_item_op
        return
    if op in _ITEM_OPS and isinstance(args, list) and args:
        yield from _vars(args[0], inside_item_op=inside_item_op)
        yield from _vars(args[1:], inside_item_op=True)
        return
    yield from _vars(args, inside_item_op=inside_item_op)


def _ops(logic: Any) -> Iterator[str]:
    if isinstance(logic, list):
        for item in logic:
            yield from _ops(item)
    elif isinstance(logic, dict) and len(logic) == 1:
        op, args = next(iter(logic.items()))
        yield op
        yield from _ops(args)


def date_bound(bound: str | None, today: dt.date) -> dt.date | None:
    """A date field's bound: "today", "YYYY-MM-DD", or "-120y" / "+6m" / "+2w" / "-14d"."""
    if not bound:
        return None
    if bound == "today":
        return today
    match = _BOUND.match(bound)
    if match is None:
        return dt.date.fromisoformat(bound)
    sign = -1 if match[1] == "-" else 1
    count, unit = int(match[2]) * sign, match[3]
    if unit == "d":
        return today + dt.timedelta(days=count)
    if unit == "w":
        return today + dt.timedelta(weeks=count)
    months = count * 12 if unit == "y" else count
    month_index = today.year * 12 + today.month - 1 + months
    year, month = divmod(month_index, 12)
    year = min(max(year, 1), 9999)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def _texts(raw: Any) -> Texts:
    return dict(raw) if isinstance(raw, dict) else {}


def _field(raw: dict[str, Any], *, step: str, group: str = "") -> FieldSpec:
    kind = raw["type"]
    children: tuple[FieldSpec, ...] = ()
    if kind == "group":
        children = tuple(_field(c, step=step, group=raw["key"]) for c in raw["fields"])
    default_length = DEFAULT_TEXTAREA_LENGTH if kind == "textarea" else DEFAULT_TEXT_LENGTH
    if kind == "email":
        default_length = 254
    max_mb = raw.get("max_mb")
    return FieldSpec(
        key=raw["key"],
        type=kind,
        step=step,
        group=group,
        labels=_texts(raw.get("label")),
        helps=_texts(raw.get("help")),
        texts=_texts(raw.get("text")),
        required=bool(raw.get("required", False)),
        show_if=raw.get("show_if"),
        prefill=raw.get("prefill", ""),
        max_length=int(raw.get("max_length", default_length)),
        pattern=re.compile(raw["pattern"]) if raw.get("pattern") else None,
        pattern_messages=_texts(raw.get("pattern_message")),
        min=raw.get("min"),
        max=raw.get("max"),
        decimals=int(raw.get("decimals", 0)),
        partial=bool(raw.get("partial", False)),
        options=tuple(
            OptionSpec(value=o["value"], labels=_texts(o["label"])) for o in raw.get("options", ())
        ),
        multiple=bool(raw.get("multiple", False)) or raw.get("widget") == "checkboxes",
        widget=raw.get("widget", ""),
        hamburg=bool(raw.get("hamburg", False)),
        max_files=int(raw.get("max_files", 1)),
        max_mb=float(max_mb) if max_mb is not None else None,
        file_types=tuple(raw.get("types", ("pdf", "jpeg", "png"))),
        fields=children,
        item_labels=_texts(raw.get("item_label")),
    )


def _semantic_problems(content: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    keys: dict[str, str] = {}  # field key -> where
    group_children: dict[str, set[str]] = {}
    step_keys: set[str] = set()
    # where, logic, group key, the fields before it (a condition reads only answers given
    # earlier: the form's order, and an item's own earlier fields)
    conditions: list[tuple[str, Any, str, frozenset[str]]] = []
    item_seen: dict[str, list[str]] = {}
    known_ops = set(BUILTINS) | _CONTROL_OPS

    def add_key(key: str, where: str) -> None:
        if key in keys:
            problems.append(f"{where}: the key {key!r} is used twice (also at {keys[key]})")
        keys[key] = where

    def check_field(raw: dict[str, Any], where: str, group: str = "") -> None:
        before = frozenset(item_seen.get(group, [])) if group else frozenset(keys)
        add_key(raw["key"], where)
        if group:
            item_seen[group].append(raw["key"])
        if raw.get("show_if") is not None:
            conditions.append((f"{where}/show_if", raw["show_if"], group, before))
        kind = raw["type"]
        if raw.get("pattern"):
            try:
                re.compile(raw["pattern"])
            except re.error as error:
                problems.append(f"{where}/pattern: not a regular expression ({error})")
        low, high = raw.get("min"), raw.get("max")
        if kind == "date":
            try:
                today = dt.date(2000, 1, 1)
                lo, hi = date_bound(low, today), date_bound(high, today)
                if lo and hi and lo > hi:
                    problems.append(f"{where}: min lies after max")
            except ValueError:
                problems.append(f"{where}: min or max is not a date")
        elif isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            problems.append(f"{where}: min is larger than max")
        if kind == "choice":
            values = [o["value"] for o in raw["options"]]
            if len(values) != len(set(values)):
                problems.append(f"{where}/options: an option value is used twice")
            if raw.get("widget") == "checkboxes" and raw.get("multiple") is False:
                problems.append(f"{where}: checkboxes allow several answers (multiple)")
        if raw.get("prefill"):
            expected = {
                "person.family_name": {"name", "text"},
                "person.given_names": {"name", "text"},
                "person.birth": {"date"},
                "person.address": {"address"},
                "citizen.email": {"email", "text"},
            }[raw["prefill"]]
            if kind not in expected:
                problems.append(f"{where}/prefill: {raw['prefill']} cannot fill a {kind} field")
        if kind == "group":
            group_children[raw["key"]] = {c["key"] for c in raw["fields"]}
            item_seen[raw["key"]] = []
            for index, child in enumerate(raw["fields"]):
                check_field(child, f"{where}/fields/{index}", group=raw["key"])

    for s_index, step in enumerate(content["steps"]):
        where = f"steps/{s_index}"
        if step["key"] in step_keys:
            problems.append(f"{where}: the step key {step['key']!r} is used twice")
        step_keys.add(step["key"])
        if step.get("show_if") is not None:
            conditions.append((f"{where}/show_if", step["show_if"], "", frozenset(keys)))
        for f_index, raw in enumerate(step.get("fields", [])):
            check_field(raw, f"{where}/fields/{f_index}")
    if all(step.get("exit") for step in content["steps"]):
        problems.append("steps: the form needs at least one step that is not an exit")

    for where, logic, group, before in conditions:
        for op in _ops(logic):
            if op not in known_ops:
                problems.append(f"{where}: unknown JsonLogic operation {op!r}")
        for name, per_element in _vars(logic):
            if per_element or name == "" or name == "today":
                continue
            head, _dot, rest = name.partition(".")
            if head == "item" and group:
                child = rest.partition(".")[0]
                if child not in group_children.get(group, set()):
                    problems.append(f"{where}: item.{child} is not a field of the group {group!r}")
                elif child not in before:
                    problems.append(f"{where}: item.{child} comes later in the item")
                continue
            if head not in keys:
                problems.append(f"{where}: the condition reads {name!r}, which is no field")
            elif not group and head not in before:
                problems.append(f"{where}: the condition reads {name!r}, which comes later")
    for target, source in (content.get("case") or {}).items():
        for key in [source] if isinstance(source, str) else source:
            if key not in keys:
                problems.append(f"case/{target}: {key!r} is no field")
    return problems


def definition_check(content: Any) -> FormSpec:
    """The definition as a FormSpec, or DefinitionError naming every problem."""
    if not isinstance(content, dict):
        raise DefinitionError([_("The definition must be a JSON object.")])
    problems: list[str] = []
    for error in sorted(_validator().iter_errors(content), key=lambda e: list(e.absolute_path)):
        problems.extend(_schema_errors(error))
    if problems:
        raise DefinitionError(list(dict.fromkeys(problems)))
    problems = _semantic_problems(content)
    if problems:
        raise DefinitionError(problems)
    steps = tuple(
        StepSpec(
            key=s["key"],
            titles=_texts(s["title"]),
            intros=_texts(s.get("intro")),
            texts=_texts(s.get("text")),
            show_if=s.get("show_if"),
            exit=bool(s.get("exit", False)),
            fields=tuple(_field(f, step=s["key"]) for f in s.get("fields", [])),
        )
        for s in content["steps"]
    )
    by_key: dict[str, FieldSpec] = {}
    for step in steps:
        for spec in step.fields:
            by_key[spec.key] = spec
            for child in spec.fields:
                by_key[child.key] = child
    return FormSpec(
        slug=content["slug"],
        titles=_texts(content["title"]),
        intros=_texts(content.get("intro")),
        case_type=content["case_type"],
        handler=content["handler"],
        trust_level=content["trust_level"],
        resume_days=int(content.get("resume_days", DEFAULT_RESUME_DAYS)),
        steps=steps,
        handoffs=tuple(dict(h) for h in content.get("handoffs", [])),
        case_map=dict(content.get("case") or {}),
        needs=tuple(_texts(n) for n in content.get("needs", [])),
        content_hash=content_hash(content),
        fields_by_key=by_key,
        steps_by_key={s.key: s for s in steps},
    )


_specs: dict[tuple[int, str], FormSpec] = {}
_SPECS_KEPT = 200


def spec_of(definition: FormDefinition) -> FormSpec:
    """The parsed definition of a stored version, parsed once per process (keyed by the
    version's id and content hash, so an edited draft version is parsed again)."""
    key = (definition.pk, definition.content_hash)
    spec = _specs.get(key)
    if spec is None:
        spec = definition_check(definition.content)
        if len(_specs) >= _SPECS_KEPT:
            _specs.clear()
        _specs[key] = spec
    return spec


def published(slug: str) -> FormDefinition:
    """The published version of the form `slug`; NotFound when there is none."""
    definition = FormDefinition.objects.filter(slug=slug, state=DefinitionState.PUBLISHED).first()
    if definition is None:
        raise NotFound(_("There is no such online service."), code="form-unknown")
    return definition
