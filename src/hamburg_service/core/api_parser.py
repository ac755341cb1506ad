"""How the API reads request bodies: only JSON sent as JSON, within the size limit, without
control characters in any string."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from hamburg_service.core.errors import InvalidInput, TooLarge, UnsupportedMediaType
from hamburg_service.core.text import refused_fields, refused_message


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodyParser(Parser):
    """A JSON body sent as `text/plain` (what a form on any website can send without asking)
    is refused, so that no foreign page can make its visitors' browsers call the API."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json(request.META.get("CONTENT_TYPE", "")):
            raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
        try:
            body = request.body
        except RequestDataTooBig as error:
            raise TooLarge(_("The request body is too large.")) from error
        data = super().parse_body(request) if body else {}
        fields = list(refused_fields(data))
        if fields:
            raise InvalidInput(
                refused_message(),
                code="control-characters",
                errors=[{"field": f, "message": refused_message()} for f in fields],
            )
        return data
