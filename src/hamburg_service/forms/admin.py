"""The form definitions in the admin: the JSON edited in a textarea (pretty-printed),
checked against the schema with every problem shown; a change to a version in use (or
published) saves a new version; a read-only preview of every step in German or English;
publishing a version retires the one before."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from hamburg_service.forms.definition import (
    DefinitionError,
    content_hash,
    definition_check,
)
from hamburg_service.forms.fields import FieldView, field_view
from hamburg_service.forms.loading import definition_publish, definition_version_add
from hamburg_service.forms.models import DefinitionState, Draft, FormDefinition, Submission


class PrettyJSONWidget(forms.Textarea):
    def format_value(self, value: Any) -> str:
        if isinstance(value, dict | list):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return super().format_value(value) or ""


class DefinitionForm(forms.ModelForm):
    content = forms.CharField(
        label=gettext_lazy("definition (JSON)"),
        widget=PrettyJSONWidget(attrs={"rows": 40, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "The form as JSON (forms/schema/definition.schema.json, docs/online-services.md)."
        ),
    )

    class Meta:
        model = FormDefinition
        fields = ["content"]

    def clean_content(self) -> dict[str, Any]:
        text = self.cleaned_data["content"]
        if isinstance(text, dict):
            content = text
        else:
            try:
                content = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValidationError(
                    _("This is not JSON: %(error)s") % {"error": str(error)}
                ) from None
        try:
            definition_check(content)
        except DefinitionError as error:
            raise ValidationError(list(error.problems)) from None
        return content


def _in_use(definition: FormDefinition) -> bool:
    return (
        Draft.objects.filter(definition=definition).exists()
        or Submission.objects.filter(definition=definition).exists()
    )


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    form = DefinitionForm
    list_display = ("slug", "version", "state", "published_at", "created_at", "preview_link")
    list_filter = ("state", "slug")
    readonly_fields = (
        "slug",
        "version",
        "state",
        "content_hash",
        "created_at",
        "created_by",
        "published_at",
        "preview_link",
    )
    fields = (*readonly_fields, "content")
    actions = ["publish"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("preview"))
    def preview_link(self, obj: FormDefinition) -> str:
        if not obj.pk:
            return ""
        url = reverse("admin:online_forms_formdefinition_preview", args=[obj.pk])
        return format_html(
            '<a href="{}?language=de">{}</a> · <a href="{}?language=en">{}</a>',
            url,
            _("Preview (German)"),
            url,
            _("Preview (English)"),
        )

    def save_model(
        self, request: HttpRequest, obj: FormDefinition, form: Any, change: bool
    ) -> None:
        content = form.cleaned_data["content"]
        frozen = change and (
            obj.state != DefinitionState.DRAFT or _in_use(obj) or obj.slug != content["slug"]
        )
        if not change or frozen:
            new = definition_version_add(content=content, created_by=request.user)
            for name in ("pk", "id", "slug", "version", "state", "content_hash", "created_at"):
                setattr(obj, name, getattr(new, name))
            if frozen:
                messages.info(
                    request,
                    _(
                        "The version in use was not changed: your changes are saved as "
                        "version %(version)d (not published yet)."
                    )
                    % {"version": new.version},
                )
            return
        obj.content = content
        obj.content_hash = content_hash(content)
        obj.save(update_fields=["content", "content_hash"])

    @admin.action(description=gettext_lazy("Publish the selected version"))
    def publish(self, request: HttpRequest, queryset: QuerySet[FormDefinition]) -> None:
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choose exactly one version."), messages.ERROR)
            return
        try:
            published = definition_publish(definition=chosen[0], now=timezone.now())
        except DefinitionError as error:
            self.message_user(request, "; ".join(error.problems), messages.ERROR)
            return
        self.message_user(
            request,
            _("%(slug)s version %(version)d is published.")
            % {"slug": published.slug, "version": published.version},
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview),
                name="online_forms_formdefinition_preview",
            )
        ]
        return own + super().get_urls()

    def preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        definition = get_object_or_404(FormDefinition, pk=pk)
        chosen = request.GET.get("language") or ""
        language = chosen if chosen in ("de", "en") else "de"
        try:
            spec = definition_check(definition.content)
        except DefinitionError as error:
            return render(
                request,
                "forms/admin_preview.html",
                {"definition": definition, "problems": error.problems, "opts": self.model._meta},
                status=422,
            )
        with override(language):
            steps = []
            for step in spec.steps:
                views: list[FieldView] = [
                    field_view(
                        f,
                        f.key,
                        [{c.key: None for c in f.fields}] if f.type == "group" else None,
                        {},
                        language,
                        {},
                    )
                    for f in step.fields
                ]
                steps.append(
                    {
                        "key": step.key,
                        "title": step.title(language),
                        "intro": step.intro(language),
                        "text": step.text(language),
                        "exit": step.exit,
                        "condition": json.dumps(step.show_if) if step.show_if else "",
                        "fields": views,
                    }
                )
            return render(
                request,
                "forms/admin_preview.html",
                {
                    "definition": definition,
                    "title": spec.title(language),
                    "intro": spec.intro(language),
                    "steps": steps,
                    "language": language,
                    "opts": self.model._meta,
                },
            )
