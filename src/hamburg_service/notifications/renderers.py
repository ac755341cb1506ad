"""How each kind of message is written. A domain app registers a renderer per template name in
its `mails.py` (imported by its AppConfig.ready, so every process, the sender's too, knows it):

    @renderer("appointments/booked")
    def booked(context: dict) -> Rendered: ...

The renderer runs inside `translation.override(message.language)` when the message is sent, so
its texts come out in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

Attachment = tuple[str, bytes, str]  # file name, content, media type


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


Renderer = Callable[[dict[str, Any]], Rendered]
_renderers: dict[str, Renderer] = {}


def renderer(name: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _renderers[name] = function
        return function

    return register


def render(name: str, context: dict[str, Any]) -> Rendered:
    try:
        function = _renderers[name]
    except KeyError:
        raise LookupError(f"No renderer for message template {name!r}") from None
    return function(context)


def text_mail(
    template: str, context: dict[str, Any], attachments: list[Attachment] | None = None
) -> Rendered:
    """A message from a text template whose first line is the subject."""
    text = render_to_string(template, context).strip()
    subject, _newline, body = text.partition("\n")
    return Rendered(subject.strip(), body.strip(), attachments or [])
