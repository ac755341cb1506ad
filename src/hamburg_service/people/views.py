"""Staff pages of the person record: find a person, open the record (one person, one view),
the information block. Every read goes through people.access (checked and logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hamburg_service.accounts.access import actor_of, has_perm, require, staff_required
from hamburg_service.accounts.models import AccessPurpose
from hamburg_service.accounts.permissions import PeoplePerm
from hamburg_service.core.dates import BoundedDateField, RegisterDateField
from hamburg_service.core.errors import AppError, Conflict, Forbidden, InvalidInput
from hamburg_service.core.forms import AccessibleErrorsMixin, posted_id
from hamburg_service.core.pages import attempt, page_status
from hamburg_service.people import access, certificates
from hamburg_service.people.checks import Address, BirthDate, today_in_hamburg
from hamburg_service.people.models import (
    DocumentKind,
    InformationBlock,
    Nationality,
    Person,
    ResidenceKind,
    Sex,
    TitleKind,
)
from hamburg_service.people.services import blocks, identity, merging, residences
from hamburg_service.people.services import papers as papers_services

# Titles and documents expiring within this time are flagged on the record.
EXPIRY_WARNING = dt.timedelta(weeks=8)


def _purpose_choices() -> list[tuple[str, str]]:
    labels = dict(AccessPurpose.choices)
    return [("", _("Choose…")), *[(str(p), str(labels[p])) for p in access.STAFF_PURPOSES]]


class PurposeForm(AccessibleErrorsMixin, forms.Form):
    """Why the record is opened (§ 40 BMG asks for the purpose of every read)."""

    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        choices=[],
        error_messages={"required": gettext_lazy("Say why you open the record.")},
    )
    reference = forms.CharField(
        label=gettext_lazy("Ticket, appointment or case number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Needed for the first three purposes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["purpose"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _purpose_choices()

    def checked_purpose(self) -> access.Purpose:
        """The checked purpose; InvalidInput names the field (after is_valid)."""
        return access.Purpose.of(self.cleaned_data["purpose"], self.cleaned_data["reference"])


class SearchForm(PurposeForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        help_text=gettext_lazy(
            "Family name first, then given names; any spelling or script (Meier finds Mayer)."
        ),
        error_messages={"required": gettext_lazy("Enter the name.")},
    )
    birth = forms.CharField(
        label=gettext_lazy("Date of birth (optional)"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("DD.MM.YYYY or YYYY-MM-DD; 00 for an unknown day or month."),
    )

    field_order = ["name", "birth", "purpose", "reference"]

    def clean_birth(self) -> BirthDate | None:
        text = self.cleaned_data["birth"].strip()
        if not text:
            return None
        try:
            return BirthDate.parse(text, field="birth").check(
                today=today_in_hamburg(timezone.now()), field="birth"
            )
        except InvalidInput as error:
            raise forms.ValidationError(error.errors[0]["message"]) from error


def _record_url(person_id: int, purpose: access.Purpose) -> str:
    query = urlencode({"purpose": purpose.kind, "reference": purpose.reference})
    return f"{reverse('people:person', args=[person_id])}?{query}"


@never_cache
@require_GET
@staff_required(PeoplePerm.SEARCH)
def search(request: HttpRequest) -> HttpResponse:
    """Find a person: a short list to pick the right one (logged with the criteria)."""
    form = SearchForm(request.GET or None)
    hits: list[dict[str, Any]] = []
    problem: AppError | None = None
    searched = False
    if form.is_bound and form.is_valid():

        def find() -> list[access.PersonHit]:
            return access.persons_search(
                actor=actor_of(request),
                name=form.cleaned_data["name"],
                birth=form.cleaned_data["birth"],
                purpose=form.checked_purpose(),
            )

        found, problem = attempt(find, form=form)
        if found is not None:
            searched = True
            purpose = form.checked_purpose()
            hits = [{"hit": hit, "url": _record_url(hit.id, purpose)} for hit in found]
    # Searching for the person served at a counter: each hit can be linked to the ticket.
    ticket, counter = posted_id(request.GET.get("ticket")), posted_id(request.GET.get("counter"))
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "hits": hits,
            "searched": searched,
            "problem": problem,
            "link": {"ticket": ticket, "counter": counter} if ticket and counter else None,
            "can_create": has_perm(request.user, PeoplePerm.REGISTER_WRITE),
            "new_query": _purpose_query(request),
        },
        status=page_status(problem, form),
    )


def _purpose_or_ask(request: HttpRequest, person_id: int) -> access.Purpose | HttpResponse:
    """The purpose the record is opened for (from the address), or the page that asks for it
    — nothing of the person is read or shown before it is given."""
    form = PurposeForm(request.GET if "purpose" in request.GET else None)
    problem: AppError | None = None
    if form.is_bound and form.is_valid():
        purpose, problem = attempt(form.checked_purpose, form=form)
        if purpose is not None:
            return purpose
    return render(
        request,
        "people/purpose.html",
        {"form": form, "person_id": person_id},
        status=page_status(problem, form),
    )


class BlockForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for the block.")},
    )
    ends_on = BoundedDateField(
        label=gettext_lazy("Until (optional: two years)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_READ)
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person, one view: register data, residences over time, documents and (for the
    immigration side) residence titles with their expiry, the information block — as on a
    chosen day, with the history of changes on request. Opening it asks for the purpose first;
    every opening is logged."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    block_form = BlockForm(request.POST or None)
    block_problem: AppError | None = None
    if request.method == "POST":
        require(request.user, PeoplePerm.BLOCK_MANAGE)
        record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)
        done, block_problem = _block_change(request, record, block_form)
        if done:
            return redirect(request.get_full_path())
    as_of = RegisterDateField(required=False)
    try:
        on = as_of.clean(request.GET.get("on") or None) or today_in_hamburg(timezone.now())
    except forms.ValidationError:
        on = today_in_hamburg(timezone.now())
    record = access.person_for(
        actor=actor,
        person_id=person_id,
        purpose=purpose,
        on=on,
        with_history=request.GET.get("history") == "1",
    )
    warn_before = on + EXPIRY_WARNING
    return render(
        request,
        "people/person.html",
        {
            "record": record,
            "purpose": purpose,
            "purpose_label": dict(AccessPurpose.choices)[purpose.kind],
            "today": today_in_hamburg(timezone.now()),
            "warn_before": warn_before,
            "can_block": has_perm(request.user, PeoplePerm.BLOCK_MANAGE),
            "can_write": has_perm(request.user, PeoplePerm.REGISTER_WRITE),
            "block_form": block_form,
            "block_problem": block_problem,
            "history_url": f"{request.path}?{_with(request, history='1')}",
        },
        status=page_status(block_problem, block_form),
    )


def _with(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _block_change(
    request: HttpRequest, record: access.PersonRecord, form: BlockForm
) -> tuple[bool, AppError | None]:
    action = request.POST.get("action")
    actor = actor_of(request)
    block: InformationBlock | None = record.block
    if action == "lift" and block is not None:
        blocks.block_lift(block=block, actor=actor)
        messages.success(request, _("The information block is lifted."))
        return True, None
    if not form.is_valid():
        return False, None

    def change() -> InformationBlock:
        data = form.cleaned_data
        if block is not None:
            return blocks.block_extend(
                block=block, reason=data["reason"], ends_on=data["ends_on"], actor=actor
            )
        return blocks.block_set(
            person=record.person, reason=data["reason"], ends_on=data["ends_on"], actor=actor
        )

    changed, problem = attempt(change, form=form)
    if changed is not None:
        messages.success(
            request,
            _("The information block holds until %(day)s.")
            % {"day": changed.ends_on.strftime("%d.%m.%Y")},
        )
        return True, None
    return False, problem


# --- registration at the counter: create a person, register a move ---------------------------


def _purpose_query(request: HttpRequest) -> str:
    return urlencode(
        {k: request.GET.get(k, "") for k in ("purpose", "reference", "ticket", "counter")}
    )


class PersonNewForm(PurposeForm):
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=120)
    given_names = forms.CharField(label=gettext_lazy("Given names"), max_length=120, required=False)
    birth_name = forms.CharField(
        label=gettext_lazy("Birth name (if different)"), max_length=120, required=False
    )
    sex = forms.ChoiceField(label=gettext_lazy("Sex as registered"), choices=[])
    birth_date = forms.CharField(
        label=gettext_lazy("Date of birth"),
        max_length=10,
        help_text=gettext_lazy("DD.MM.YYYY or YYYY-MM-DD; 00 for an unknown day or month."),
    )
    birth_place = forms.CharField(label=gettext_lazy("Place of birth"), max_length=120)
    birth_country = forms.CharField(
        label=gettext_lazy("Country of birth (ISO code, e.g. DEU, TUR)"), max_length=3
    )
    nationalities = forms.CharField(
        label=gettext_lazy("Nationalities (ISO codes, separated by commas)"),
        max_length=60,
        required=False,
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("E-mail for notices about their data (optional, with consent)"),
        required=False,
        help_text=gettext_lazy("Lets the person see who read their data (/my-data/)."),
    )
    different = forms.BooleanField(
        label=gettext_lazy("I have checked: this is not the person already registered."),
        required=False,
    )

    field_order = [
        "family_name",
        "given_names",
        "birth_name",
        "sex",
        "birth_date",
        "birth_place",
        "birth_country",
        "nationalities",
        "contact_email",
        "purpose",
        "reference",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sex"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *Sex.choices]

    def person_input(self) -> identity.PersonInput:
        data = self.cleaned_data
        return identity.PersonInput(
            family_name=data["family_name"],
            given_names=data["given_names"],
            birth_name=data["birth_name"],
            sex=data["sex"],
            birth=BirthDate.parse(data["birth_date"]),
            birth_place=data["birth_place"],
            birth_country=data["birth_country"].strip().upper(),
            nationalities=tuple(
                code.strip().upper() for code in data["nationalities"].split(",") if code.strip()
            ),
        )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def person_new(request: HttpRequest) -> HttpResponse:
    """A person not yet in the register (Anmeldung from abroad, a newborn's parents abroad…).
    A record with the identical name and birth is refused until the clerk confirms it is
    somebody else; similar records are named (by number) for review."""
    form = PersonNewForm(request.POST or None, initial=request.GET.dict())
    problem: AppError | None = None
    existing: list[int] = []
    if request.method == "POST" and form.is_valid():

        def create() -> identity.Created:
            purpose = form.checked_purpose()  # a purpose, as for every reading that follows
            assert purpose is not None
            return identity.person_create(
                data=form.person_input(),
                distinct_from=tuple(_ids(request.POST.getlist("known")))
                if form.cleaned_data["different"]
                else (),
                contact_email=form.cleaned_data["contact_email"],
                actor=actor_of(request),
            )

        created, problem = attempt(create, form=form)
        if created is not None:
            if created.duplicates:
                messages.warning(
                    request,
                    _("Possibly the same person: records %(ids)s. Compare them and merge if so.")
                    % {"ids": ", ".join(str(d.pk) for d in created.duplicates)},
                )
            else:
                messages.success(request, _("The person is registered."))
            url = reverse("people:person", args=[created.person.pk])
            return redirect(f"{url}?{_purpose_query(request)}")
        if problem is not None and problem.code == "person-exists":
            existing = list(problem.extra.get("person_ids", []))
    return render(
        request,
        "people/new.html",
        {"form": form, "problem": problem, "existing": existing, "query": _purpose_query(request)},
        status=page_status(problem, form),
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and 0 < int(v) < 2**62]


class MoveForm(AccessibleErrorsMixin, forms.Form):
    """Anmeldung, Ummeldung or Abmeldung, as the person declares it at the counter."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What is registered"),
        choices=[
            ("register", gettext_lazy("Moving in from outside Hamburg (Anmeldung)")),
            ("secondary", gettext_lazy("A secondary residence (Anmeldung)")),
            ("change", gettext_lazy("Moving within Hamburg (Ummeldung)")),
            ("deregister", gettext_lazy("Moving away from Hamburg (Abmeldung)")),
        ],
        widget=forms.RadioSelect,
    )
    street = forms.CharField(label=gettext_lazy("Street"), max_length=120, required=False)
    house_number = forms.CharField(
        label=gettext_lazy("House number"), max_length=20, required=False
    )
    address_extra = forms.CharField(
        label=gettext_lazy("Address extra (optional)"), max_length=120, required=False
    )
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=5, required=False)
    moved_on = RegisterDateField(
        label=gettext_lazy("Moved in on (for Abmeldung: the last day lived there)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    landlord_confirmation = forms.CharField(
        label=gettext_lazy("Landlord's confirmation (reference)"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Wohnungsgeberbestätigung, § 19 BMG: needed when moving in."),
    )
    new_address = forms.CharField(
        label=gettext_lazy("New address (for Abmeldung, optional)"), max_length=300, required=False
    )
    new_country = forms.CharField(
        label=gettext_lazy("New country (ISO code, for Abmeldung)"), max_length=3, required=False
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def register(request: HttpRequest, person_id: int) -> HttpResponse:
    """Register a move for a person (at the counter, for the ticket being served): the record
    is read — logged with the purpose — and the move written; a late registration (§ 17 BMG:
    two weeks) is recorded as late."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    form = MoveForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)

        def write() -> str:
            return _move_write(record, form.cleaned_data, actor)

        done, problem = attempt(write, form=form)
        if done is not None:
            messages.success(request, done)
            url = reverse("people:person", args=[person_id])
            return redirect(f"{url}?{_purpose_query(request)}")
    return render(
        request,
        "people/register.html",
        {"form": form, "problem": problem, "person_id": person_id, "purpose": purpose},
        status=page_status(problem, form),
    )


def _move_write(record: access.PersonRecord, data: dict[str, Any], actor: Any) -> str:
    kind = data["kind"]
    if kind == "deregister":
        residences.residence_deregister(
            person=record.person,
            moved_out_on=data["moved_on"],
            new_address=data["new_address"],
            new_country=data["new_country"].strip().upper(),
            actor=actor,
        )
        return _("The move away is registered.")
    address = Address(
        street=data["street"],
        house_number=data["house_number"],
        postcode=data["postcode"],
        address_extra=data["address_extra"],
    )
    if kind == "change":
        residence = residences.residence_change(
            person=record.person,
            address=address,
            moved_in_on=data["moved_on"],
            landlord_confirmation=data["landlord_confirmation"],
            actor=actor,
        )
    else:
        residence = residences.residence_register(
            person=record.person,
            address=address,
            moved_in_on=data["moved_on"],
            kind=ResidenceKind.SECONDARY if kind == "secondary" else ResidenceKind.MAIN,
            landlord_confirmation=data["landlord_confirmation"],
            actor=actor,
        )
    if residence.late:
        return _(
            "The move is registered — later than the two weeks the law allows (§ 17 BMG); it "
            "is recorded as late."
        )
    return _("The move is registered.")


# --- Registration certificates (Meldebescheinigung): issue and revoke (people/certificates.py) ---


class CertificateIssueForm(AccessibleErrorsMixin, forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the certificate"),
        choices=[("de", gettext_lazy("German")), ("en", gettext_lazy("English"))],
    )
    secondary = forms.BooleanField(
        label=gettext_lazy("Include the secondary residences (on the person's request)"),
        required=False,
    )


class CertificateRevokeForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=certificates.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for revoking the certificate.")},
    )


def _purpose_given(request: HttpRequest) -> access.Purpose:
    """The purpose the record was opened for, carried in the address of the form."""
    form = PurposeForm(request.GET)
    if not form.is_valid():
        raise InvalidInput(_("Say why you open the record."), code="purpose-missing")
    return form.checked_purpose()


@require_POST
@staff_required(PeoplePerm.REGISTER_WRITE)
def certificate_issue(request: HttpRequest, person_id: int) -> HttpResponse:
    """Issue a registration certificate and hand out its PDF at once: the verification code is
    printed only on it and never shown again."""
    purpose = _purpose_given(request)
    form = CertificateIssueForm(request.POST)
    back = _record_url(person_id, purpose)
    if not form.is_valid():
        messages.error(request, _("Choose the language of the certificate."))
        return redirect(back)

    def issue() -> certificates.IssuedCertificate:
        return certificates.certificate_issue(
            actor=actor_of(request),
            person_id=person_id,
            purpose=purpose,
            language=form.cleaned_data["language"],
            secondary=form.cleaned_data["secondary"],
        )

    issued, problem = attempt(issue)
    if issued is None:
        assert problem is not None
        if problem.status in (403, 404):
            raise problem
        messages.error(request, problem.detail)
        return redirect(back)
    messages.success(
        request,
        _("Registration certificate %(number)s is issued; its PDF was downloaded.")
        % {"number": issued.certificate.number},
    )
    response = HttpResponse(issued.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def certificate_revoke(request: HttpRequest, person_id: int, certificate_id: int) -> HttpResponse:
    """Revoke a registration certificate, with a reason (the record's read is logged)."""
    purpose = _purpose_given(request)
    actor = actor_of(request)
    record, certificate = certificates.certificate_for(
        actor=actor, person_id=person_id, certificate_id=certificate_id, purpose=purpose
    )
    form = CertificateRevokeForm(request.POST if request.method == "POST" else None)
    problem: AppError | None = None
    if form.is_bound and form.is_valid():

        def revoke() -> object:
            return certificates.certificate_revoke(
                certificate=certificate, reason=form.cleaned_data["reason"], actor=actor
            )

        done, problem = attempt(revoke, form=form)
        if done is not None:
            messages.success(
                request,
                _("Registration certificate %(number)s is revoked.")
                % {"number": certificate.number},
            )
            return redirect(_record_url(person_id, purpose))
    return render(
        request,
        "people/certificate_revoke.html",
        {
            "record": record,
            "certificate": certificate,
            "issued_on": certificates.moment_day(certificate.issued_at),
            "purpose": purpose,
            "back": _record_url(person_id, purpose),
            "form": form,
            "problem": problem,
        },
        status=page_status(problem, form),
    )


# --- possible duplicates: side by side, merge, undo -------------------------------------------


class MergeForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        error_messages={"required": gettext_lazy("Give the reason.")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def duplicates(request: HttpRequest, person_id: int) -> HttpResponse:
    """The record beside the records that may be the same person; merge one into it (its
    residences, documents and titles move here; recorded, and reversible), or undo a merge."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    form = MergeForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():
        sides = access.duplicates_review(actor=actor, person_id=person_id, purpose=purpose)
        by_id = {side.person.pk: side.person for side in sides}
        other = posted_id(request.POST.get("other"))
        undo = posted_id(request.POST.get("undo"))
        merged_here = {pk for side in sides for pk in side.merged_here}

        def change() -> str:
            if undo is not None and undo in merged_here:
                merging.person_merge_undo(
                    duplicate=access.person_ref(actor=actor, person_id=undo, merged=True),
                    reason=form.cleaned_data["reason"],
                    actor=actor,
                )
                return _("The merge is undone: record %(id)s stands on its own again.") % {
                    "id": undo
                }
            if other is None or other not in by_id or other == person_id:
                raise InvalidInput(_("Choose a record to merge."), code="merge-choice")
            merging.person_merge(
                duplicate=by_id[other],
                survivor=by_id[person_id],
                reason=form.cleaned_data["reason"],
                actor=actor,
            )
            return _("Record %(other)s is merged into this one.") % {"other": other}

        done, problem = attempt(change, form=form)
        if done is not None:
            messages.success(request, done)
            return redirect(request.get_full_path())
    sides = access.duplicates_review(actor=actor, person_id=person_id, purpose=purpose)
    return render(
        request,
        "people/duplicates.html",
        {"sides": sides, "form": form, "problem": problem, "purpose": purpose},
        status=page_status(problem, form),
    )


# --- identity documents and residence titles -------------------------------------------------


class DocumentForm(AccessibleErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=DocumentKind.choices)
    number = forms.CharField(label=gettext_lazy("Number"), max_length=20)
    issuing_country = forms.CharField(
        label=gettext_lazy("Issued by (ISO code)"), max_length=3, initial="DEU"
    )
    issued_on = RegisterDateField(
        label=gettext_lazy("Issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = RegisterDateField(
        label=gettext_lazy("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class TitleForm(AccessibleErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of title"), choices=TitleKind.choices)
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        max_length=60,
        help_text=gettext_lazy("For example § 18b AufenthG, § 18g AufenthG (EU Blue Card)."),
    )
    valid_from = RegisterDateField(
        label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = RegisterDateField(
        label=gettext_lazy("Valid until (empty: unlimited)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    card_number = forms.CharField(
        label=gettext_lazy("Card number (eAT, optional)"), max_length=20, required=False
    )
    conditions = forms.CharField(
        label=gettext_lazy("Conditions (Nebenbestimmungen, optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_READ)
def papers(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record an identity document (register staff: ID card and passport; immigration staff
    also the eAT card) or a residence title (immigration staff)."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    user = request.user
    can_documents = has_perm(user, PeoplePerm.REGISTER_WRITE) or has_perm(
        user, PeoplePerm.RESIDENCE_WRITE
    )
    can_titles = has_perm(user, PeoplePerm.RESIDENCE_WRITE)
    which = request.POST.get("what", "")
    document = DocumentForm(request.POST if which == "document" else None, prefix="document")
    title = TitleForm(request.POST if which == "title" else None, prefix="title")
    problem: AppError | None = None
    if request.method == "POST":
        allowed = {"document": can_documents, "title": can_titles}.get(which, False)
        if not allowed:
            raise Forbidden(_("Your role does not allow this here."), code="role-forbids")
        form: forms.Form = document if which == "document" else title
        if form.is_valid():
            record = access.person_for(actor=actor, person_id=person_id, purpose=purpose)

            def write() -> str:
                data = form.cleaned_data
                if which == "document":
                    if data["kind"] == DocumentKind.RESIDENCE_CARD and not can_titles:
                        raise Forbidden(
                            _("Your role does not allow this here."), code="role-forbids"
                        )
                    papers_services.document_record(
                        person=record.person,
                        kind=data["kind"],
                        number=data["number"].strip().upper(),
                        issuing_country=data["issuing_country"].strip().upper(),
                        issued_on=data["issued_on"],
                        expires_on=data["expires_on"],
                        actor=actor,
                    )
                    return _("The document is recorded.")
                papers_services.title_record(
                    person=record.person,
                    kind=data["kind"],
                    legal_basis=data["legal_basis"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    card_number=data["card_number"].strip().upper(),
                    conditions=data["conditions"],
                    actor=actor,
                )
                return _("The residence title is recorded.")

            done, problem = attempt(write, form=form)
            if done is not None:
                messages.success(request, done)
                url = reverse("people:person", args=[person_id])
                return redirect(f"{url}?{_purpose_query(request)}")
    return render(
        request,
        "people/papers.html",
        {
            "person_id": person_id,
            "purpose": purpose,
            "document": document if can_documents else None,
            "title": title if can_titles else None,
            "problem": problem,
        },
        status=page_status(problem, document, title),
    )


# --- correcting the register entry, nationalities, recording a death ---------------------------


def _birth_text(person: Person) -> str:
    """The date of birth as the form takes it back: 00 for an unknown month or day."""
    return f"{person.birth_year:04d}-{person.birth_month or 0:02d}-{person.birth_day or 0:02d}"


class CorrectForm(AccessibleErrorsMixin, forms.Form):
    """Berichtigung (§ 12 BMG) or a change of name from a date: the values as they should
    stand, with the reason."""

    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=120)
    given_names = forms.CharField(label=gettext_lazy("Given names"), max_length=120, required=False)
    birth_name = forms.CharField(
        label=gettext_lazy("Birth name (if different)"), max_length=120, required=False
    )
    name_affix = forms.CharField(
        label=gettext_lazy("Name affix (von, de …)"), max_length=40, required=False
    )
    doctoral_degree = forms.CharField(
        label=gettext_lazy("Doctoral degree"), max_length=40, required=False
    )
    birth_date = forms.CharField(
        label=gettext_lazy("Date of birth"),
        max_length=10,
        help_text=gettext_lazy("DD.MM.YYYY or YYYY-MM-DD; 00 for an unknown day or month."),
    )
    birth_place = forms.CharField(
        label=gettext_lazy("Place of birth"), max_length=120, required=False
    )
    birth_country = forms.CharField(
        label=gettext_lazy("Country of birth (ISO code, e.g. DEU, TUR)"),
        max_length=3,
        required=False,
    )
    sex = forms.ChoiceField(label=gettext_lazy("Sex as registered"), choices=[])
    effective_on = RegisterDateField(
        label=gettext_lazy("Changed from (a change of name, e.g. marriage; empty: a correction)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example the birth certificate or the marriage certificate."),
        error_messages={"required": gettext_lazy("Give the reason for the correction.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["sex"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *Sex.choices]

    @staticmethod
    def current(person: Person) -> dict[str, Any]:
        return {
            **{name: getattr(person, name) for name in identity.CORRECTABLE},
            "birth_date": _birth_text(person),
        }

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "family_name": data["family_name"],
            "given_names": data["given_names"],
            "birth_name": data["birth_name"],
            "name_affix": data["name_affix"],
            "doctoral_degree": data["doctoral_degree"],
            "birth": BirthDate.parse(data["birth_date"]),
            "birth_place": data["birth_place"],
            "birth_country": data["birth_country"].strip().upper(),
            "sex": data["sex"],
        }


class NationalityAddForm(AccessibleErrorsMixin, forms.Form):
    country = forms.CharField(
        label=gettext_lazy("Nationality (ISO code, e.g. DEU, TUR, UKR)"), max_length=3
    )
    since = RegisterDateField(
        label=gettext_lazy("Held since (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class NationalityEndForm(AccessibleErrorsMixin, forms.Form):
    country = forms.ChoiceField(label=gettext_lazy("Nationality"), choices=[])
    until = RegisterDateField(
        label=gettext_lazy("Last day held"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, held: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *[(code, code) for code in held]]


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def correct(request: HttpRequest, person_id: int) -> HttpResponse:
    """Correct the register entry (names, birth, sex) with a reason, and add or end a
    nationality. The form shows the current values, so the record is read (and logged) to
    show the page as well as to write."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    record = access.person_for(actor=actor, person_id=person_id, purpose=purpose, with_panels=False)
    which = request.POST.get("what", "")
    posted = request.POST if request.method == "POST" else None
    correction = CorrectForm(
        posted if which == "correct" else None, initial=CorrectForm.current(record.person)
    )
    add = NationalityAddForm(posted if which == "nationality-add" else None, prefix="add")
    end = NationalityEndForm(
        posted if which == "nationality-end" else None, prefix="end", held=record.nationalities
    )
    problem: AppError | None = None
    form = {"correct": correction, "nationality-add": add, "nationality-end": end}.get(which)
    if request.method == "POST":
        if form is None:
            raise InvalidInput(_("Choose what to change."), code="action-missing")
        if form.is_valid():
            data = form.cleaned_data

            def write() -> str:
                if which == "correct":
                    identity.person_correct(
                        person=record.person,
                        changes=correction.changes(),
                        reason=data["reason"],
                        effective_on=data["effective_on"],
                        actor=actor,
                    )
                    return _("The register entry is corrected.")
                if which == "nationality-add":
                    papers_services.nationality_record(
                        person=record.person,
                        country=data["country"],
                        since=data["since"],
                        actor=actor,
                    )
                    return _("The nationality is recorded.")
                held = Nationality.objects.filter(
                    person=record.person, country=data["country"], until__isnull=True
                ).first()
                if held is None:
                    raise Conflict(_("This nationality has ended already."), code="already-ended")
                papers_services.nationality_end(nationality=held, until=data["until"], actor=actor)
                return _("The nationality is recorded as ended.")

            done, problem = attempt(write, form=form)
            if done is not None:
                messages.success(request, done)
                url = reverse("people:person", args=[person_id])
                return redirect(f"{url}?{_purpose_query(request)}")
    return render(
        request,
        "people/correct.html",
        {
            "record": record,
            "person_id": person_id,
            "purpose": purpose,
            "form": correction,
            "add": add,
            "end": end,
            "problem": problem,
        },
        status=page_status(problem, correction, add, end),
    )


class DeathForm(AccessibleErrorsMixin, forms.Form):
    died_on = RegisterDateField(
        label=gettext_lazy("Date of death"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(
        label=gettext_lazy("Source (e.g. the registry office's notice and its number)"),
        max_length=200,
        error_messages={"required": gettext_lazy("Name the notice the death is recorded from.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have checked the notice: this person has died. The record cannot change after this."
        ),
        error_messages={"required": gettext_lazy("Confirm that the person has died.")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(PeoplePerm.REGISTER_WRITE)
def death(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record a death (Sterbefall) from the registry office's notice: the person is shown (the
    read logged) so the clerk confirms the right one; every open residence ends that day."""
    purpose = _purpose_or_ask(request, person_id)
    if isinstance(purpose, HttpResponse):
        return purpose
    actor = actor_of(request)
    record = access.person_for(actor=actor, person_id=person_id, purpose=purpose, with_panels=False)
    form = DeathForm(request.POST or None)
    problem: AppError | None = None
    if request.method == "POST" and form.is_valid():

        def write() -> object:
            return identity.person_death_record(
                person=record.person,
                died_on=form.cleaned_data["died_on"],
                reference=form.cleaned_data["reference"],
                actor=actor,
            )

        done, problem = attempt(write, form=form)
        if done is not None:
            messages.success(request, _("The death is recorded."))
            url = reverse("people:person", args=[person_id])
            return redirect(f"{url}?{_purpose_query(request)}")
    return render(
        request,
        "people/death.html",
        {
            "record": record,
            "person_id": person_id,
            "purpose": purpose,
            "form": form,
            "problem": problem,
        },
        status=page_status(problem, form),
    )
