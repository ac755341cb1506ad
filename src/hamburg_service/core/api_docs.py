"""An OpenAPI document as plain data for a readable page (the API root's /api/docs): the
operations grouped by tag with their parameters, request body and responses, and every schema
with its fields. A type that is a schema links to it (`#schema-<Name>`).

Our own page rather than Swagger UI: that one fails WCAG (contrast, no page language, buttons
inside buttons) and lies outside the site's layout and languages."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

REF = "#/components/schemas/"
# Limits this large (a database id's range) tell a reader nothing.
BIG = 2**31


@dataclass
class Field:
    name: str
    type: SafeString
    required: bool
    description: SafeString
    notes: list[str]
    where: str = ""  # parameters only: in the path, the query, a header or a cookie


@dataclass
class Body:
    type: SafeString
    media: list[str]
    required: bool


@dataclass
class Answer:
    status: str
    description: SafeString
    type: SafeString
    media: list[str]
    headers: list[Field]


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: SafeString
    auth: list[SafeString]
    parameters: list[Field]
    body: Body | None
    answers: list[Answer]

    @property
    def path_html(self) -> SafeString:
        """The path, breakable after each slash: the longest would not fit on a phone."""
        return format_html_join(SafeString("/<wbr>"), "{}", ((p,) for p in self.path.split("/")))


@dataclass
class Group:
    name: str
    anchor: str
    operations: list[Operation]


@dataclass
class SchemaDoc:
    name: str
    anchor: str
    description: SafeString
    fields: list[Field]
    closed: bool  # other fields are refused


@dataclass
class ApiDoc:
    title: str
    version: str
    description: SafeString
    groups: list[Group]
    schemas: list[SchemaDoc]


def _where() -> dict[str, str]:
    return {"path": _("path"), "query": _("query"), "header": _("header"), "cookie": _("cookie")}


def text(value: str | None) -> SafeString:
    """Escaped text whose `code` spans (Markdown, as the API's descriptions write them) are code."""
    code = re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(value or ""))
    return mark_safe(code)  # noqa: S308 - escaped first, then only <code> added


def type_of(schema: dict[str, Any]) -> SafeString:
    """A schema's type in a few words: `string (date)`, `array of <a>CallOut</a>`, `… or null`."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        return format_html('<a href="#schema-{}">{}</a>', name, name)
    choices = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if choices:
        return format_html_join(f" {_('or')} ", "{}", ((type_of(c),) for c in choices))
    kind = schema.get("type", "")
    if kind == "array":
        return format_html(_("array of {items}"), items=type_of(schema.get("items", {})))
    if "format" in schema:
        return format_html("{} ({})", kind, schema["format"])
    return escape(kind or _("any value"))


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def notes_of(schema: dict[str, Any]) -> list[str]:
    """The limits, choices, default and example of a schema (and of its alternatives)."""
    notes = []
    for part in (schema, *schema.get("anyOf", [])):
        if "enum" in part:
            notes.append(_("one of: %(values)s") % {"values": ", ".join(map(_value, part["enum"]))})
        if "const" in part:
            notes.append(_("always %(value)s") % {"value": _value(part["const"])})
        for key, label, sign in (
            ("minLength", _("length"), "≥"),
            ("maxLength", _("length"), "≤"),
            ("minItems", _("number of items"), "≥"),
            ("maxItems", _("number of items"), "≤"),
            ("minimum", "", "≥"),
            ("maximum", "", "≤"),
        ):
            if key in part and abs(part[key]) < BIG:
                notes.append(f"{label} {sign} {part[key]}".strip())
        if part.get("examples"):
            notes.append(_("example: %(value)s") % {"value": _value(part["examples"][0])})
    if "default" in schema:
        notes.append(_("default: %(value)s") % {"value": _value(schema["default"])})
    return notes


def _media_type(content: dict[str, Any]) -> SafeString:
    schemas = [media.get("schema", {}) for media in content.values()]
    return type_of(schemas[0]) if schemas else SafeString("")


def _auth(operation: dict[str, Any], schemes: dict[str, Any]) -> list[SafeString]:
    where = _where()
    out = []
    for requirement in operation.get("security", []):
        for name in requirement:
            scheme = schemes.get(name, {})
            out.append(
                format_html(
                    "{} ({} <code>{}</code>)",
                    name,
                    where.get(scheme.get("in", ""), scheme.get("in", "")),
                    scheme.get("name", ""),
                )
            )
    return out


def _operation(path: str, method: str, op: dict[str, Any], schemes: dict[str, Any]) -> Operation:
    where = _where()
    parameters = [
        Field(
            name=p["name"],
            type=type_of(p.get("schema", {})),
            required=bool(p.get("required")),
            description=text(p.get("description") or p.get("schema", {}).get("description")),
            notes=notes_of(p.get("schema", {})),
            where=where.get(p.get("in", ""), p.get("in", "")),
        )
        for p in op.get("parameters", [])
    ]
    body = None
    if "requestBody" in op:
        content = op["requestBody"].get("content", {})
        body = Body(_media_type(content), list(content), bool(op["requestBody"].get("required")))
    answers = [
        Answer(
            status=status,
            description=text(answer.get("description")),
            type=_media_type(answer.get("content", {})),
            media=list(answer.get("content", {})),
            headers=[
                Field(
                    name=header,
                    type=type_of(spec.get("schema", {})),
                    required=bool(spec.get("required")),
                    description=text(spec.get("description")),
                    notes=notes_of(spec.get("schema", {})),
                    where=where["header"],
                )
                for header, spec in answer.get("headers", {}).items()
            ],
        )
        for status, answer in sorted(op.get("responses", {}).items())
    ]
    return Operation(
        anchor=op.get("operationId") or slugify(f"{method} {path}"),
        method=method.upper(),
        path=path,
        summary=op.get("summary", ""),
        description=text(op.get("description")),
        auth=_auth(op, schemes),
        parameters=parameters,
        body=body,
        answers=answers,
    )


def _schema(name: str, schema: dict[str, Any]) -> SchemaDoc:
    required = set(schema.get("required", []))
    return SchemaDoc(
        name=name,
        anchor=f"schema-{name}",
        description=text(schema.get("description")),
        fields=[
            Field(
                name=field,
                type=type_of(spec),
                required=field in required,
                description=text(spec.get("description")),
                notes=notes_of(spec),
            )
            for field, spec in schema.get("properties", {}).items()
        ],
        closed=schema.get("additionalProperties") is False,
    )


def api_doc(openapi: dict[str, Any]) -> ApiDoc:
    """The page's content: operations grouped by their first tag, in the document's order."""
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    groups: dict[str, Group] = {}
    for path, operations in openapi.get("paths", {}).items():
        for method, op in operations.items():
            tag = (op.get("tags") or [_("other")])[0]
            group = groups.setdefault(tag, Group(tag, f"tag-{slugify(tag)}", []))
            group.operations.append(_operation(path, method, op, schemes))
    components = openapi.get("components", {}).get("schemas", {})
    info = openapi.get("info", {})
    return ApiDoc(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=text(info.get("description")),
        groups=list(groups.values()),
        schemas=[_schema(name, components[name]) for name in sorted(components)],
    )
