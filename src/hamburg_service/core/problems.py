"""RFC 9457 problem details: the one body every API error answers with."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from hamburg_service.core.errors import PROBLEM_TYPE_BASE, AppError, TooMany, Unavailable


def problem_body(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def problem_json(request: HttpRequest, error: AppError) -> JsonResponse:
    """An AppError as an application/problem+json response (with Retry-After for limits)."""
    response = JsonResponse(
        problem_body(
            request,
            status=error.status,
            code=error.code,
            title=error.title or error.default_title(),
            detail=error.detail,
            errors=error.errors,
            extra=error.extra,
        ),
        status=error.status,
        content_type="application/problem+json",
    )
    if isinstance(error, TooMany | Unavailable) and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response
