"""The clerk's page to link a citizen's online account to a person's record: the person shows
the code of their account (people.citizen_link); the clerk, having seen them and their ID,
enters it here. Opening the page is a logged read of the record, with its purpose."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hamburg_service.accounts.access import actor_of, staff_required
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.errors import AppError
from hamburg_service.core.forms import AccessibleErrorsMixin
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.people import access, citizen_link
from hamburg_service.people.views import _purpose_or_ask


class LinkForm(AccessibleErrorsMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code of the online account"),
        help_text=gettext_lazy(
            "The person finds it in their account under “Link to the residents' register”, "
            "for example 0001-2XYZ. Link only after checking their ID."
        ),
        max_length=20,
        error_messages={"required": gettext_lazy("Enter the code the person shows you.")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def person_account(request: HttpRequest, person_id: int) -> HttpResponse:
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    record = access.person_for(actor=actor, person_id=person_id, purpose=purpose, with_panels=False)
    linked = citizen_link.citizens_linked_to(person_id)
    form = LinkForm(request.POST if request.POST.get("action") == "link" else None)
    problem: AppError | None = None
    if request.method == "POST":
        if request.POST.get("action") == "unlink":
            account = next(
                (c for c in linked if str(c.public_id) == request.POST.get("account")), None
            )
            if account is not None:
                _done, problem = attempt(
                    lambda: citizen_link.citizen_person_unlink(
                        person=record.person, citizen=account, actor=actor
                    )
                )
                if problem is None:
                    messages.success(request, _("The online account is no longer linked."))
                    return redirect(request.get_full_path())
        elif form.is_valid():
            done, problem = attempt(
                lambda: citizen_link.citizen_person_link(
                    person=record.person, code=form.cleaned_data["code"], actor=actor
                ),
                form=form,
            )
            if done is not None:
                messages.success(request, _("The online account is linked to this record."))
                return redirect(request.get_full_path())
    return render(
        request,
        "people/person_account.html",
        {
            "record": record,
            "person_id": person_id,
            "purpose": purpose,
            "linked": linked,
            "form": form,
            "problem": problem,
        },
        status=page_status(problem, form),
    )
