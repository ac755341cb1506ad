"""The 403 and 404 answers Django itself gives: our pages in the site's layout and the
person's language (the language of the address, `/` German, `/en/` English), and RFC 9457
problems under `/api/`. The same with DEBUG on (`make run`) as in production:
`core.middleware.ErrorPagesMiddleware` puts them in place of Django's technical 404 page unless
`DEBUG_TECHNICAL_404` is set. The URL root names them as `handler403`/`handler404`, and
`CSRF_FAILURE_VIEW` names `csrf_failure`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hamburg_service.core.errors import AppError, Forbidden, NotFound
from hamburg_service.core.problems import problem_json

API_PREFIX = "/api/"


def error_answer(
    request: HttpRequest, error: AppError, template: str, *, explain: bool = True
) -> HttpResponse:
    """The error as a problem (API), or as its page in the site's layout (with the error's
    message when `explain`, else the page's own general text)."""
    if request.path_info.startswith(API_PREFIX):
        return problem_json(request, error)
    context = {"problem": error} if explain else {}
    return render(request, template, context, status=error.status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception's own text is not shown: Django's (the URL patterns tried, "No Location
    # matches the given query") is meant for developers and speaks only English.
    error = NotFound(_("There is nothing at this address."))
    return error_answer(request, error, "404.html", explain=False)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error = Forbidden(_("Your role does not allow this here."), code="role-forbids")
    return error_answer(request, error, "403.html", explain=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (a page left open for long, cookies blocked):
    say what to do, instead of Django's page for developers."""
    error = Forbidden(
        _(
            "The form could not be sent: the page was open for too long or your browser "
            "blocks cookies. Please go back, reload the page and send the form again."
        ),
        code="csrf-failed",
        title=_("The form could not be sent"),
    )
    return error_answer(request, error, "403.html")
