"""A form field for several files per question: `<input type="file" multiple>` with the
policy's `accept` hint, its count and size limits, each file checked and stored (staged) as
soon as the form is sent. When the page comes back with an error in another field, the files
already accepted are listed ("Already uploaded: x.pdf — Remove") and carried by a signed token
each, so nobody has to choose them again; the field's value is the list of staged files,
which the owner attaches with `services.file_attach`.

    class AnswerForm(UploadsForm):
        documents = FilesField(policy=DOCUMENTS, purpose="cases.document_request")

    form = AnswerForm(request.POST, request.FILES, actor=actor)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.forms import AccessibleForm
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.policy import DOCUMENTS, UploadPolicy
from hamburg_service.files.services import file_delete, file_store

_SALT = "hamburg_service.files.staged"


def _salt(bind: str) -> str:
    return f"{_SALT}:{bind}" if bind else _SALT


def staged_token(stored: StoredFile, *, bind: str = "") -> str:
    """What the re-rendered form carries for a staged file: its id, signed and dated. A token
    made with `bind` (the question it was uploaded for) is valid only with the same `bind`."""
    return signing.dumps(stored.public_id.hex, salt=_salt(bind))


def staged_from_tokens(
    tokens: Sequence[str], *, policy: UploadPolicy, purpose: str, bind: str = ""
) -> list[StoredFile]:
    """The staged files of this policy and purpose that the tokens name, in their order;
    forged, expired or foreign tokens (made for another `bind`), files no longer staged and
    files the policy does not accept (type, size) are left out."""
    ids: list[uuid.UUID] = []
    max_age = settings.UPLOAD_STAGED_HOURS * 3600
    for token in tokens[: policy.file_limit]:
        try:
            ids.append(uuid.UUID(hex=signing.loads(token, salt=_salt(bind), max_age=max_age)))
        except (signing.BadSignature, ValueError, TypeError):
            continue
    found = {
        f.public_id: f
        for f in StoredFile.objects.filter(
            public_id__in=ids,
            state=FileState.STAGED,
            policy=policy.name,
            purpose=purpose,
            content_type__in=policy.content_types,
            size__lte=policy.byte_limit,
        )
    }
    return [found[i] for i in dict.fromkeys(ids) if i in found]


@dataclass
class FilesValue:
    """What the browser sent for the field: new files, tokens of staged files, removals."""

    uploads: list[UploadedFile] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class FilesInput(forms.FileInput):
    template_name = "files/widgets/files.html"
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.staged: list[StoredFile] = []  # set by the field when it cleans

    def value_from_datadict(self, data: Any, files: Any, name: str) -> FilesValue:
        return FilesValue(
            uploads=list(files.getlist(name)) if files else [],
            kept=list(data.getlist(f"{name}-staged")) if data else [],
            removed=list(data.getlist(f"{name}-remove")) if data else [],
        )

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in files and f"{name}-staged" not in data

    def use_required_attribute(self, initial: Any) -> bool:
        # A browser would refuse to send the form with staged files but an empty input.
        return super().use_required_attribute(initial) and not self.staged

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id", name)
        context["widget"]["staged"] = [
            {
                "token": staged_token(stored),
                "name": stored.original_name,
                "size": filesizeformat(stored.size),
                "id": f"{widget_id}_remove_{index}",
            }
            for index, stored in enumerate(self.staged)
        ]
        return context


def policy_help(policy: UploadPolicy) -> str:
    return " ".join(
        [
            _("Accepted: %(types)s, at most %(size)s per file.")
            % {
                "types": ", ".join(t.label for t in policy.types),
                "size": filesizeformat(policy.byte_limit),
            },
            ngettext("Up to %(count)d file.", "Up to %(count)d files.", policy.file_limit)
            % {"count": policy.file_limit},
        ]
    )


class FilesField(forms.Field):
    widget = FilesInput
    default_error_messages = {"required": gettext_lazy("Please choose at least one file.")}

    def __init__(self, *, purpose: str, policy: UploadPolicy = DOCUMENTS, **kwargs: Any) -> None:
        self.policy = policy
        self.purpose = purpose
        self.actor: Actor | None = None  # who uploads: given to the form (UploadsForm)
        kwargs.setdefault("help_text", lazy(policy_help, str)(policy))
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = policy.accept

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data

    def has_changed(self, initial: Any, data: Any) -> bool:
        return isinstance(data, FilesValue) and bool(data.uploads or data.kept)

    def clean(self, value: Any) -> list[StoredFile]:
        if self.actor is None:
            raise ImproperlyConfigured("A FilesField needs the uploader: use UploadsForm(actor=).")
        value = value if isinstance(value, FilesValue) else FilesValue()
        removed = set(value.removed)
        kept = staged_from_tokens(
            [t for t in value.kept if t not in removed], policy=self.policy, purpose=self.purpose
        )
        for stored in staged_from_tokens(list(removed), policy=self.policy, purpose=self.purpose):
            file_delete(file=stored, actor=self.actor, reason="removed by the uploader")
        uploads = [u for u in value.uploads if u.name]
        errors: list[str] = []
        limit = self.policy.file_limit
        if len(kept) + len(uploads) > limit:
            errors.append(
                ngettext(
                    "You can upload at most %(limit)d file here; you chose %(count)d.",
                    "You can upload at most %(limit)d files here; you chose %(count)d.",
                    limit,
                )
                % {"limit": limit, "count": len(kept) + len(uploads)}
            )
            uploads = []  # none of them: which to keep is the person's choice
        for upload in uploads:
            try:
                kept.append(
                    file_store(
                        upload=upload, policy=self.policy, actor=self.actor, purpose=self.purpose
                    )
                )
            except InvalidInput as error:
                errors.append(error.detail)
        self.widget.staged = kept
        if errors:
            raise ValidationError(errors)
        if self.required and not kept:
            raise ValidationError(self.error_messages["required"], code="required")
        return kept


class UploadsFormMixin:
    """Gives every FilesField of the form the actor who uploads."""

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(form_field, FilesField):
                form_field.actor = actor


class UploadsForm(UploadsFormMixin, AccessibleForm):
    pass
