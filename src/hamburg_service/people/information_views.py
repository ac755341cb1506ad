"""Register information (§ 44 BMG): the public page that asks and answers, and the staff page
of the requests for the central registration office and the data protection officer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.captcha import captcha_verify
from hamburg_service.core.dates import BoundedDateField
from hamburg_service.core.errors import AppError
from hamburg_service.core.forms import AccessibleErrorsMixin, posted_id
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.people import information
from hamburg_service.people.models import (
    InformationAnswer,
    InformationChannel,
    InformationPurpose,
    RegisterInformationRequest,
)


def _text(label: Any, max_length: int, *, help_text: Any = "", **attrs: str) -> forms.CharField:
    # Required-ness and every message come from the service (the API says the same).
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


class InformationForm(AccessibleErrorsMixin, forms.Form):
    """The request: who is looked for, who asks and why."""

    family_name = _text(_("Family name"), 120, autocomplete="off")
    given_names = _text(
        _("Given names"),
        120,
        help_text=_("All given names, or the first of them, as the register holds them."),
        autocomplete="off",
    )
    birth_date = _text(
        _("Date of birth"),
        10,
        help_text=_("DD.MM.YYYY, for example 04.03.1985."),
        autocomplete="off",
        inputmode="numeric",
    )
    street = _text(_("Street"), 120, autocomplete="off")
    house_number = _text(_("House number"), 20, autocomplete="off")
    postcode = _text(_("Postcode"), 5, autocomplete="off", inputmode="numeric")
    requester_name = _text(
        _("Your name"),
        150,
        help_text=_("Or the name of your company or office."),
        autocomplete="name",
    )
    requester_email = forms.CharField(
        label=_("Your e-mail address"),
        max_length=254,
        required=False,
        help_text=_("We send the receipt with the request number here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=InformationPurpose.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    commercial_purpose = _text(
        _("Commercial purpose (only for a commercial request)"),
        200,
        help_text=_(
            "For example: collecting a debt. Advertising and address trading are not allowed "
            "without the person's consent (§ 44 (3) BMG)."
        ),
        autocomplete="off",
    )

    def query(self) -> information.InformationQuery:
        data = self.cleaned_data
        return information.InformationQuery(**{name: data.get(name) or "" for name in self.fields})


def _fee() -> str:
    return information.fee_text(settings.REGISTER_INFORMATION_FEE_CENTS)


@require_http_methods(["GET", "POST"])
def register_information(request: HttpRequest) -> HttpResponse:
    """Ask for a person's current name and addresses (einfache Melderegisterauskunft). The
    answer page is the same, byte for byte, for a blocked and an unknown person."""
    form = InformationForm(request.POST or None)
    problem: AppError | None = None
    result: information.InformationResult | None = None
    if request.method == "POST" and form.is_valid():

        def ask() -> information.InformationResult:
            checked = information.information_query_check(form.query(), now=timezone.now())
            rate_limit(
                request,
                group="register-information",
                rate=settings.RATE_LIMIT_REGISTER_INFORMATION,
            )
            captcha_verify(request.POST.get("captcha", ""))
            return information.register_information_request(
                query=checked, channel=InformationChannel.PAGE, language=get_language() or "de"
            )

        result, problem = attempt(ask, form=form)
        if result is not None and result.answer != InformationAnswer.NOT_UNIQUE:
            return render(request, "people/information_answer.html", {"result": result})
    response = render(
        request,
        "people/information.html",
        {
            "form": form,
            "problem": problem,
            "result": result,
            "fee": _fee(),
            "captcha_enabled": settings.CAPTCHA_ENABLED,
        },
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


class LogFilterForm(AccessibleErrorsMixin, forms.Form):
    first_day = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = BoundedDateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    answer = forms.ChoiceField(
        label=_("Answer"), choices=[("", _("Any")), *InformationAnswer.choices], required=False
    )
    reference = forms.CharField(label=_("Request number"), max_length=20, required=False)
    blocked_only = forms.BooleanField(
        label=_("Only requests that matched a blocked person"), required=False
    )


@require_GET
@staff_required(PeoplePerm.INFORMATION_LOG_READ)
def register_information_log(request: HttpRequest) -> HttpResponse:
    """The register information requests, newest first, fifty a page: who asked, why, with
    which details, the answer, the person matched, the § 51 notices, the fee."""
    form = LogFilterForm(request.GET or None)
    rows: list[RegisterInformationRequest] = []
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        rows = information.information_log_page(
            actor=actor_of(request),
            where=information.InformationLogFilter(
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
                answer=data.get("answer") or "",
                blocked_only=bool(data.get("blocked_only")),
                reference=data.get("reference") or "",
            ),
            before=posted_id(request.GET.get("before")),
        )
    older = ""
    if len(rows) == information.LOG_PAGE_SIZE:
        query = request.GET.copy()
        query["before"] = str(rows[-1].pk)
        older = f"?{query.urlencode()}"
    return render(
        request,
        "people/information_log.html",
        {
            "form": form,
            "rows": [{"row": row, "fee": information.fee_text(row.fee_cents)} for row in rows],
            "older": older,
        },
        status=page_status(None, form),
    )
