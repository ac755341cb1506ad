"""The citizen's sign-in pages (docs/citizen-sign-in.md): by e-mail link and by OpenID Connect.

Never Django's `login()`: a citizen's session lives beside a staff sign-in of the same browser
(accounts.citizens) and never opens a staff page. The link in the e-mail opens a page with a
button: the sign-in happens on its POST, so a mail scanner that follows links does not use up
the link."""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts import oidc
from hamburg_service.accounts.citizen_signin import (
    citizen_from_oidc,
    citizen_signed_out,
    next_path_clean,
    signin_link_check,
    signin_link_create,
    signin_link_use,
    trust_from_acr,
)
from hamburg_service.accounts.citizens import citizen_session, session_end, session_start
from hamburg_service.accounts.models import TrustLevel
from hamburg_service.core.captcha import captcha_verify
from hamburg_service.core.errors import AppError
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.people.citizen_link import MatchOutcome, citizen_link_verified
from hamburg_service.portal.mails import signin_mail_queue

logger = logging.getLogger(__name__)
NEXT_KEY = "citizen_oidc_next"


class SignInForm(AccessibleErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        help_text=gettext_lazy("We send you a link to sign in. It works once, for a short time."),
        error_messages={
            "required": gettext_lazy("Please enter your e-mail address."),
            "invalid": gettext_lazy("Please enter a valid e-mail address."),
        },
    )
    next = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)


def _next_url(next_path: str) -> str:
    return next_path_clean(next_path) or reverse("portal:home")


def _signin_context(next_path: str) -> dict[str, object]:
    return {
        "oidc_enabled": oidc.oidc_enabled(),
        "oidc_name": settings.CITIZEN_OIDC_NAME,
        "next": next_path_clean(next_path),
        "captcha_enabled": settings.CAPTCHA_ENABLED,
        "signed_in": None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link, or sign in with the configured OpenID Connect provider. The
    answer is the same whether or not an account exists for the address."""
    next_path = next_path_clean(request.POST.get("next") or request.GET.get("next"))
    form = SignInForm(request.POST or None, initial={"next": next_path})
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]

        def ask() -> bool:
            rate_limit(request, group="citizen-signin", rate=settings.RATE_LIMIT_CITIZEN_SIGNIN)
            captcha_verify(request.POST.get("captcha", ""))
            with transaction.atomic():
                token = signin_link_create(email=email, next_path=next_path)
                signin_mail_queue(email=email, token=token, language=get_language() or "de")
            return True

        sent, problem = attempt(ask, form=form)
        if sent:
            return render(
                request,
                "portal/signin_sent.html",
                {"email": email, "link_minutes": settings.CITIZEN_SIGNIN_LINK_MINUTES},
            )
    context = _signin_context(next_path)
    context.update(form=form, problem=problem, signed_in=citizen_session(request))
    response = render(request, "portal/signin.html", context, status=page_status(problem, form))
    return with_retry_after(response, problem)


@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: GET shows a button (nothing is used), POST signs in."""
    problem: AppError | None = None
    if request.method == "POST":
        done, problem = attempt(lambda: signin_link_use(token=token))
        if done is not None:
            citizen, next_path = done
            session_start(request, citizen, TrustLevel.BASIC)
            messages.success(request, _("You are signed in."))
            return redirect(_next_url(next_path))
    else:
        _link, problem = attempt(lambda: signin_link_check(token=token))
    return render(
        request,
        "portal/signin_link.html",
        {"problem": problem},
        status=problem.status if problem is not None else 200,
    )


def _callback_uri(request: HttpRequest) -> str:
    # One address to register with the provider, whatever the page's language.
    with translation.override(settings.LANGUAGE_CODE):
        return request.build_absolute_uri(reverse("portal:oidc_callback"))


@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    """Off to the provider's sign-in; where to go afterwards is kept in the session."""
    if not oidc.oidc_enabled():
        raise Http404(_("Sign-in with this service is not offered."))
    request.session[NEXT_KEY] = next_path_clean(request.GET.get("next"))
    request.session["citizen_oidc_language"] = get_language() or settings.LANGUAGE_CODE
    try:
        return oidc.oidc_redirect(request, redirect_uri=_callback_uri(request))
    except oidc.OidcRefused as error:
        logger.warning("OpenID Connect sign-in could not start: %s", error)
        return _failed(request, unreachable=True)


def _failed(request: HttpRequest, *, unreachable: bool = False) -> HttpResponse:
    return render(
        request,
        "portal/signin_failed.html",
        {"unreachable": unreachable, "oidc_name": settings.CITIZEN_OIDC_NAME},
        status=503 if unreachable else 400,
    )


_MATCH_MESSAGES = {
    MatchOutcome.LINKED: gettext_lazy(
        "Your account is now linked to your entry in the residents' register."
    ),
    MatchOutcome.NONE: gettext_lazy(
        "We found no entry in the residents' register with exactly your name and date of "
        "birth, so your account is not linked to one. A clerk can link it: see “Link to the "
        "residents' register” in your account."
    ),
    MatchOutcome.SEVERAL: gettext_lazy(
        "Several entries in the residents' register have your name and date of birth, so your "
        "account is not linked to one. A clerk can link it: see “Link to the residents' "
        "register” in your account."
    ),
    MatchOutcome.INCOMPLETE: gettext_lazy(
        "The sign-in service did not send your full name and date of birth, so your account "
        "is not linked to the residents' register. A clerk can link it."
    ),
}


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: checked by the OIDC client (state, code, ID token, nonce), then
    the account found or created and the session started with the trust level vouched for."""
    if not oidc.oidc_enabled():
        raise Http404(_("Sign-in with this service is not offered."))
    try:
        result = oidc.oidc_callback(request)
    except oidc.OidcRefused as error:
        logger.warning("OpenID Connect sign-in refused: %s", error)
        return _failed(request)
    trust = trust_from_acr(result.claims.get("acr"))
    citizen, problem = attempt(
        lambda: citizen_from_oidc(
            issuer=result.issuer, subject=result.subject, claims=result.claims, trust=trust
        )
    )
    if citizen is None:
        logger.warning("OpenID Connect sign-in refused: %s", problem)
        return _failed(request)
    outcome = citizen_link_verified(citizen=citizen, claims=result.claims, trust=trust)
    next_path = request.session.pop(NEXT_KEY, "")
    language = request.session.pop("citizen_oidc_language", settings.LANGUAGE_CODE)
    session_start(request, citizen, trust)
    with translation.override(language):
        messages.success(request, _("You are signed in."))
        if outcome in _MATCH_MESSAGES:
            messages.info(request, str(_MATCH_MESSAGES[outcome]))
        url = _next_url(next_path)
    return redirect(url)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End the citizen's session (a staff sign-in of the same browser stays)."""
    session = citizen_session(request)
    if session is not None:
        citizen_signed_out(citizen=session.citizen)
    session_end(request)
    messages.success(request, _("You are signed out."))
    return redirect("web:home")
