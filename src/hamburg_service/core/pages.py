"""How refusals look on pages: the one mapping from an AppError to what the person sees.

A view runs a service through `attempt`: field errors land at the form's fields, the rest is
the page's problem, and `page_status` gives the status the page answers with. An AppError a
view does not catch (a location or link that does not exist, a role that does not allow it)
is rendered by `AppErrorMiddleware`: 404 and 403 pages, or the problem page with its status
(and `Retry-After` for a limit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from hamburg_service.core.errors import (
    AppError,
    InvalidInput,
    TooMany,
    Unavailable,
    out_of_range,
)
from hamburg_service.core.forms import errors_to_form

T = TypeVar("T")
logger = logging.getLogger(__name__)


def attempt(
    action: Callable[[], T], *, form: forms.Form | None = None
) -> tuple[T | None, AppError | None]:
    """Run `action`; on an AppError (or a validation error of the catalogue's rules) return it,
    its field errors put onto `form`."""
    try:
        return action(), None
    except (AppError, ValidationError) as caught:
        error = (
            InvalidInput.from_validation_error(caught)
            if isinstance(caught, ValidationError)
            else caught
        )
        if form is not None and isinstance(error, InvalidInput):
            errors_to_form(form, error)
        return None, error


def page_status(problem: AppError | None, *bound: forms.Form) -> int:
    """The status of a page after a POST: the problem's, 422 for form errors, else 200."""
    if problem is not None:
        return problem.status
    if any(f.is_bound and f.errors for f in bound):
        return 422
    return 200


def with_retry_after(response: HttpResponse, problem: AppError | None) -> HttpResponse:
    if isinstance(problem, TooMany | Unavailable):
        response["Retry-After"] = str(problem.retry_after or 60)
    return response


def problem_page(request: HttpRequest, problem: AppError, **context: Any) -> HttpResponse:
    template = {404: "404.html", 403: "403.html"}.get(problem.status, "core/problem_page.html")
    response = render(request, template, {"problem": problem, **context}, status=problem.status)
    return with_retry_after(response, problem)


class AppErrorMiddleware:
    """Pages: an AppError that leaves a view becomes its page (the API maps its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        if isinstance(exception, AppError):
            return problem_page(request, exception)
        if isinstance(exception, OverflowError):
            return problem_page(request, out_of_range())
        if isinstance(exception, OperationalError | InterfaceError):
            # The database does not answer: a plain page (no context processors, they would
            # ask the database again) that says to try again shortly.
            logger.warning("Database unavailable on %s: %s", request.path, exception)
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
            response["Retry-After"] = "30"
            return response
        return None
