"""The JSON API under /api/v1/: routers of each app, one error format (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hamburg_service.accounts.api import router as accounts_router
from hamburg_service.accounts.catalog_api import router as catalog_staff_router
from hamburg_service.appointments.api import router as appointments_router
from hamburg_service.cases.api import router as cases_router
from hamburg_service.catalog.api import router as catalog_router
from hamburg_service.core.api_docs import api_doc
from hamburg_service.core.api_parser import JsonBodyParser
from hamburg_service.core.api_schemas import TEXT_PATTERN
from hamburg_service.core.errors import (
    AppError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    TooMany,
    Unavailable,
    UnsupportedMediaType,
    out_of_range,
)
from hamburg_service.core.problems import problem_body
from hamburg_service.forms.api import router as forms_router
from hamburg_service.people.api import router as people_router
from hamburg_service.people.api_public import router as register_information_router
from hamburg_service.visits.api import router as visits_router

logger = logging.getLogger(__name__)


BODY_ANSWERS = {
    400: "The body is not valid JSON.",
    413: "The body is larger than the limit.",
    415: "The body was not sent as application/json.",
}
EVERY_ANSWER = {
    422: (
        "A parameter or a field needs correcting, or the query has control characters (in any "
        "parameter, declared or not)."
    ),
    503: "The database is briefly unavailable: try again after Retry-After seconds.",
}
RETRY_AFTER = {
    429: {
        "description": "Seconds until the limit lets the request through (rate limits only).",
        "required": False,
        "schema": {"type": "integer", "minimum": 1},
    },
    503: {
        "description": "Seconds after which to try again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
}
# An operation marked so (`openapi_extra`) never reads the database, so it cannot answer 503.
NO_DATABASE = "x-no-database"


def _refuse_control_characters(schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Document on every plain string of a request what core.text refuses: control characters
    (the parser and the middleware answer 422, or 404 in a path)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        target = components.get(name)
        if target is not None and not target.get("x-text-checked"):
            target["x-text-checked"] = True
            _refuse_control_characters(target, components)
        return
    if schema.get("type") == "string" and not {"format", "enum", "pattern", "const"} & set(schema):
        schema["pattern"] = TEXT_PATTERN
    for key in ("properties", "$defs"):
        for sub in schema.get(key, {}).values():
            _refuse_control_characters(sub, components)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _refuse_control_characters(schema[key], components)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _refuse_control_characters(sub, components)


class HamburgAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Document what every operation can answer besides its own map: 400 (not JSON), 413
        (too large) and 415 (not sent as JSON) with a body; 422 and 503 everywhere (see
        EVERY_ANSWER), with Retry-After; error bodies with the media type they are served with
        (RFC 9457); and on every string sent what the API refuses in it."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.get("components", {}).get("schemas", {})
        problem_ref = {"$ref": "#/components/schemas/Problem"}

        def problem(text: str) -> dict[str, Any]:
            return {"description": text, "content": {"application/json": {"schema": problem_ref}}}

        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation["responses"]
                uses_database = not operation.pop(NO_DATABASE, False)
                for status, text in EVERY_ANSWER.items():
                    if status != 503 or uses_database:
                        responses.setdefault(status, problem(text))
                for parameter in operation.get("parameters", []):
                    _refuse_control_characters(parameter.get("schema", {}), components)
                if "requestBody" in operation:
                    for status, text in BODY_ANSWERS.items():
                        responses.setdefault(status, problem(text))
                    for media in operation["requestBody"].get("content", {}).values():
                        _refuse_control_characters(media.get("schema", {}), components)
                for status, answer in responses.items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
                    if int(status) in RETRY_AFTER:
                        answer.setdefault("headers", {})["Retry-After"] = RETRY_AFTER[int(status)]
        for component in components.values():
            component.pop("x-text-checked", None)
        return schema


api = HamburgAPI(
    title="Hamburg Service API",
    version="1",
    description=(
        "Service catalogue, locations, opening hours and appointments of Hamburg Service. "
        "Texts come in the "
        "language of the Accept-Language header (German by default, English). Errors are RFC "
        "9457 problem details (application/problem+json)."
    ),
    urls_namespace="api",
    docs_url=None,
    parser=JsonBodyParser(),
)
api.add_router("", catalog_router)
api.add_router("", catalog_staff_router)
api.add_router("", accounts_router)
api.add_router("", appointments_router)
api.add_router("", visits_router)
api.add_router("", people_router)
api.add_router("", register_information_router)
api.add_router("", cases_router)
api.add_router("", forms_router)


def problem(request: HttpRequest, *, status: int, **fields: Any) -> HttpResponse:
    body = problem_body(request, status=status, **fields)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


_PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "date_parsing": lambda: _("Enter a valid date as YYYY-MM-DD."),
    "date_from_datetime_parsing": lambda: _("Enter a valid date as YYYY-MM-DD."),
    "date_type": lambda: _("Enter a valid date as YYYY-MM-DD."),
    "time_parsing": lambda: _("Enter a valid time as HH:MM."),
    "int_parsing": lambda: _("Enter a whole number."),
    "enum": lambda: _("Choose one of the allowed values."),
    "literal_error": lambda: _("Choose one of the allowed values."),
    "string_too_long": lambda: _("This text is too long."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
}


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "payload", "form")]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        message = _PYDANTIC_MESSAGES.get(err.get("type", ""))
        errors.append(
            {
                "field": _field_name(list(err.get("loc", []))),
                "message": message() if message else str(err.get("msg", "")),
            }
        )
    fields = ", ".join(e["field"] for e in errors if e["field"])
    return problem(
        request,
        status=422,
        code="invalid-input",
        title=_("Some of the information needs correcting."),
        detail=_("Please check: %(fields)s.") % {"fields": fields} if fields else "",
        errors=errors,
    )


@api.exception_handler(AppError)
def on_app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    response = _problem_of(request, exc)
    if isinstance(exc, TooMany | Unavailable) and exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _problem_of(request: HttpRequest, exc: AppError) -> HttpResponse:
    return problem(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title or exc.default_title(),
        detail=exc.detail,
        errors=exc.errors,
        extra=exc.extra,
    )


@api.exception_handler(ValidationError)
def on_django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return on_app_error(request, InvalidInput.from_validation_error(exc))


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_app_error(request, NotFound(_("There is nothing at this address.")))


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_404(request, exc)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        status=401,
        code="unauthenticated",
        title=_("Please sign in."),
        detail=_("This needs a signed-in member of staff."),
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_app_error(
        request, Forbidden(_("Your role does not allow this here."), code="role-forbids")
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_app_error(request, TooLarge(_("The request body is too large.")))


@api.exception_handler(MultiPartParserError)
def on_broken_form(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The CSRF check of a signed-in POST reads a form body before the JSON parser refuses it:
    # a form that cannot even be read (no boundary) is refused alike.
    return on_app_error(
        request, UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    )


@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    # What Django answers 400 to (a form body with too many fields, read by the CSRF check).
    return problem(
        request, status=400, code="bad-request", title=_("The request could not be processed.")
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the body parser raises into "400 Cannot parse request body".
    if isinstance(exc.__cause__, AppError):
        return on_app_error(request, exc.__cause__)
    if isinstance(exc.__cause__, ValueError):  # json.JSONDecodeError and UnicodeDecodeError
        return problem(
            request,
            status=400,
            code="invalid-json",
            title=_("The request body is not valid JSON."),
        )
    return problem(request, status=exc.status_code, code="error", title=str(exc))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.warning("Database unavailable on %s: %s", request.path, exc)
    return on_app_error(
        request,
        Unavailable(_("The service is briefly unavailable. Please try again in a minute.")),
    )


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: Exception) -> HttpResponse:
    return on_app_error(request, out_of_range())


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s", request.path)
    return problem(
        request,
        status=500,
        code="internal-error",
        title=_("Something went wrong on our side."),
        detail=_("Please try again later."),
    )


def api_docs(request: HttpRequest) -> HttpResponse:
    """The API documentation, a page of the site read from the OpenAPI document (core.api_docs
    says why not Swagger UI); in the address's language like every page."""
    return render(
        request,
        "core/api_docs.html",
        {"doc": api_doc(api.get_openapi_schema()), "openapi_url": reverse("api:openapi-json")},
    )
