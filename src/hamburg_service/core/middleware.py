from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from hamburg_service.core.error_pages import page_not_found
from hamburg_service.core.errors import AppError, InvalidInput, NotFound
from hamburg_service.core.pages import problem_page
from hamburg_service.core.problems import problem_json
from hamburg_service.core.text import refused_message, text_refused

# Everything the pages need is served from here; nothing is loaded from elsewhere.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(), microphone=()"
        )
        return response


class LanguageChoiceMiddleware:
    """Pages in the language a person wants: German under `/`, English under `/en/`.

    On a first visit to an unprefixed page, the browser's Accept-Language decides (an English
    browser is sent to `/en/…`); a choice made with the language switch (its links carry
    `?lang=de|en`) is kept in the language cookie and wins from then on. Only GET and HEAD of
    pages: the API, static files and the health check are left alone.
    """

    EXEMPT = ("/api/v1/", "/static/", "/media/", "/healthz", "/.well-known/")  # /api/docs: a page
    # Screens shared by many people (ticket machine, call display): one visitor's choice must
    # not stick to the device, nor the device's own browser language move it.
    SHARED_SCREENS = re.compile(r"^(/[a-z]{2})?/visits/(kiosk|display)/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            request.method not in ("GET", "HEAD")
            or path.startswith(self.EXEMPT)
            or self.SHARED_SCREENS.match(path)
        ):
            return self.get_response(request)
        chosen = request.GET.get("lang", "")
        if chosen in self.codes:
            query = request.GET.copy()
            del query["lang"]
            rest = f"?{query.urlencode()}" if query else ""
            # One leading slash: "//evil.example/x" would send the person to another site.
            here = "/" + request.path.lstrip("/\\")
            response: HttpResponse = HttpResponseRedirect(f"{here}{rest}")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=request.is_secure(),
                httponly=True,
            )
            return response
        prefixed = any(path == f"/{code}" or path.startswith(f"/{code}/") for code in self.codes)
        if not prefixed:
            wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if wanted not in self.codes:
                wanted = translation.get_language_from_request(request, check_path=False)
            if wanted != settings.LANGUAGE_CODE and wanted in self.codes:
                here = "/" + request.get_full_path().lstrip("/\\")
                response = HttpResponseRedirect(f"/{wanted}{here}")
                patch_vary_headers(response, ("Accept-Language", "Cookie"))
                return response
        response = self.get_response(request)
        if not prefixed:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


class ApiLanguageMiddleware:
    """The API speaks the language of Accept-Language (German when unsupported).

    LocaleMiddleware binds unprefixed paths to German because the pages carry the language in
    their URL; API paths have no prefix, so they get the header's language here instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/v1/"):  # /api/docs is a page of the site
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseControlCharactersMiddleware:
    """A path with NUL or control characters is a page that does not exist (404); a query
    parameter with them is refused (422) before any view or database sees it — PostgreSQL
    cannot even compare such a string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused: AppError | None = None
        if text_refused(request.path):
            refused = NotFound(_("There is nothing at this address."))
        else:
            for name, values in request.GET.lists():
                if text_refused(name) or any(text_refused(v) for v in values):
                    refused = InvalidInput.field(name, refused_message(), code="control-characters")
                    break
        if refused is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return problem_json(request, refused)
        return problem_page(request, refused)


class ErrorPagesMiddleware:
    """With DEBUG on (`make run`), Django answers an unknown address or an Http404 with its
    technical page (English, without the site's layout, listing the URL patterns). This puts the
    real 404 page in its place — the one production shows (`core.error_pages`), in the
    address's language, or the problem under `/api/` — unless `DEBUG_TECHNICAL_404` asks for
    Django's page. Placed inside CommonMiddleware and LocaleMiddleware, so that their redirects
    of a 404 (the missing slash) still happen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _technical() -> bool:
        """Does Django answer a 404 with its technical page now?"""
        return settings.DEBUG and not settings.DEBUG_TECHNICAL_404

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # An address that matches no URL pattern: Django's 404 answer, made where no
        # middleware can catch the exception.
        if response.status_code == 404 and request.resolver_match is None and self._technical():
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and self._technical():
            return page_not_found(request, exception)
        return None
