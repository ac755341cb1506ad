"""The public verification page of registration certificates (`/verify/`, `/en/verify/`):
by certificate number and verification code, or by the text of the QR code (pasted, or in a
link `?payload=` that an app opens). Every verification is rate limited per client address and
— by number and code — per certificate number, and counted (people.certificates). Documents of
apps above this one (the cases' provisional certificates and letters) are checked here too,
through the registry in `core.verification`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from hamburg_service.core.errors import AppError, TooMany
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.core.signing import PAYLOAD_MAX_CHARS, certificate_fingerprint, document_key
from hamburg_service.core.verification import for_number, for_payload
from hamburg_service.people import certificates


class CodeForm(AccessibleErrorsMixin, forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        max_length=40,
        help_text=gettext_lazy("For example MB-2026-000123, printed on the certificate."),
        error_messages={"required": gettext_lazy("Enter the certificate number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=40,
        help_text=gettext_lazy(
            "Ten letters and digits, printed under “Verification”, for example ABCDE-23456."
        ),
        error_messages={"required": gettext_lazy("Enter the verification code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


class PayloadForm(AccessibleErrorsMixin, forms.Form):
    # Not stripped: base45 holds spaces, also at its end (only a trailing line break goes).
    payload = forms.CharField(
        label=gettext_lazy("Text of the QR code"),
        strip=False,
        max_length=PAYLOAD_MAX_CHARS + 2,
        help_text=gettext_lazy(
            "Scan the QR code with any QR code app and paste the text it shows; it begins "
            "with HHS1:."
        ),
        error_messages={"required": gettext_lazy("Paste the text of the QR code.")},
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )


def _limited(request: HttpRequest, *, number: str | None) -> None:
    """The limits of a verification: per client address, and by number and code per
    certificate number (whoever asks; an unknown number is limited alike)."""
    rate_limit(request, group="certificate-verify", rate=settings.CERTIFICATE_VERIFY_RATE)
    if number is None:
        return
    try:
        rate_limit(
            request,
            group="certificate-number",
            rate=settings.CERTIFICATE_VERIFY_NUMBER_RATE,
            key=f"certificate:{number}",
        )
    except TooMany as limited:
        wait = limited.retry_after or 60
        minutes = max(1, -(-wait // 60))
        raise TooMany(
            ngettext(
                "This certificate number has been checked too often. Please try again in "
                "%(minutes)d minute.",
                "This certificate number has been checked too often. Please try again in "
                "%(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            code="certificate-rate-limited",
            retry_after=wait,
        ) from None


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check a registration certificate: a correct number and code (or a genuine QR code)
    shows its data and when it was issued (and revoked); anything else shows that it is not
    valid, and nothing of any certificate."""
    method = request.POST.get("method") if request.method == "POST" else None
    if method is None and "payload" in request.GET:
        method = "qr"  # a link with the QR code's text (`?payload=`, percent-encoded)
    data: Any = request.POST if request.method == "POST" else request.GET
    code_form = CodeForm(
        data if method == "code" else None,
        initial={"number": request.GET.get("number", "")[:40]},
    )
    payload_form = PayloadForm(data if method == "qr" else None)
    shown: Any = None  # a CertificateShown, or what another app's verifier shows
    problem: AppError | None = None
    if method == "code" and code_form.is_valid():
        number, code = code_form.cleaned_data["number"], code_form.cleaned_data["code"]

        def by_code() -> Any:
            other = for_number(number)
            if other is not None:  # a document of another app (core.verification)
                verifier, canonical = other
                _limited(request, number=canonical)
                return verifier.by_code(number=canonical, code=code)
            _limited(request, number=certificates.number_normalise(number))
            return certificates.certificate_verify_code(number=number, code=code)

        shown, problem = attempt(by_code, form=code_form)
    elif method == "qr" and payload_form.is_valid():
        text = payload_form.cleaned_data["payload"]

        def by_payload() -> Any:
            _limited(request, number=None)
            verifier = for_payload(certificates.payload_text(text))
            if verifier is not None:
                return verifier.by_payload(text=certificates.payload_text(text))
            return certificates.certificate_verify_payload(text=text)

        shown, problem = attempt(by_payload, form=payload_form)
    response = render(
        request,
        "people/verify.html",
        {
            "code_form": code_form,
            "payload_form": payload_form,
            "method": method,
            "shown": shown,
            "problem": problem,
            # In pieces, so that a narrow screen may break the line between them.
            "fingerprint": certificate_fingerprint(document_key().certificate).split(":"),
        },
        status=page_status(problem, code_form, payload_form),
    )
    # A certificate's data is on it: no cache keeps the page.
    response["Cache-Control"] = "no-store"
    return with_retry_after(response, problem)
