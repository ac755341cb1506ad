"""The public pages of "who read my data" (people.my_data)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hamburg_service.core.errors import AppError, InvalidInput
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status, with_retry_after
from hamburg_service.core.ratelimit import rate_limit
from hamburg_service.people import my_data
from hamburg_service.people.checks import BirthDate, today_in_hamburg


class MyDataForm(AccessibleErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        help_text=gettext_lazy("The address you gave at the counter for notices about your data."),
        error_messages={
            "required": gettext_lazy("Please enter your e-mail address."),
            "invalid": gettext_lazy("Please enter a valid e-mail address."),
        },
    )
    birth = forms.CharField(
        label=gettext_lazy("Date of birth"),
        max_length=10,
        help_text=gettext_lazy("DD.MM.YYYY"),
        error_messages={"required": gettext_lazy("Please enter your date of birth.")},
    )

    def clean_birth(self) -> BirthDate:
        try:
            return BirthDate.parse(self.cleaned_data["birth"], field="birth").check(
                today=today_in_hamburg(timezone.now()), field="birth"
            )
        except InvalidInput as error:
            raise forms.ValidationError(error.errors[0]["message"]) from error


@require_http_methods(["GET", "POST"])
def my_data_ask(request: HttpRequest) -> HttpResponse:
    """Ask for the list of reads: the answer is the same whether or not a record matches."""
    form = MyDataForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():

        def ask() -> bool:
            rate_limit(request, group="my-data", rate=settings.RATE_LIMIT_BOOKING)
            my_data.my_data_request(
                email=form.cleaned_data["email"],
                birth=form.cleaned_data["birth"],
                language=get_language() or "de",
            )
            return True

        sent, problem = attempt(ask, form=form)
        if sent:
            return render(request, "people/my_data.html", {"sent_to": form.cleaned_data["email"]})
    response = render(
        request,
        "people/my_data.html",
        {"form": form, "problem": problem},
        status=page_status(problem, form),
    )
    return with_retry_after(response, problem)


@never_cache
@require_GET
def my_data_report(request: HttpRequest, token: str) -> HttpResponse:
    person_id = my_data.person_of_token(token)
    if person_id is None:
        raise Http404(_("This link is not valid (any more). Please ask again."))
    return render(
        request,
        "people/my_data_report.html",
        {"reads": my_data.reads_of(person_id), "hours": settings.MY_DATA_LINK_HOURS},
    )
