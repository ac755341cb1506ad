"""Case types, skills and teams are data administrators keep; cases themselves are only read
here (they change through the workstation's services, each change an event)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hamburg_service.cases.models import Case, CaseTransition, CaseType, Skill, Team
from hamburg_service.core.admin import ReadOnlyAdmin


class CaseTransitionInline(admin.TabularInline):
    model = CaseTransition
    extra = 1


class CaseTypeForm(forms.ModelForm):
    class Meta:
        model = CaseType
        fields = "__all__"  # the admin edits every rule of a type

    def clean_required_documents(self) -> Any:
        value = self.cleaned_data["required_documents"]
        if not isinstance(value, list) or not all(
            isinstance(item, dict)
            and isinstance(item.get("key"), str)
            and item["key"]
            and isinstance(item.get("de"), str)
            for item in value
        ):
            raise ValidationError(
                _('Give a list of {"key": "...", "de": "...", "en": "..."}.'),
                code="documents-shape",
            )
        keys = [item["key"] for item in value]
        if len(keys) != len(set(keys)):
            raise ValidationError(_("Each document needs its own key."), code="documents-keys")
        return value


@admin.register(CaseType)
class CaseTypeAdmin(admin.ModelAdmin):
    form = CaseTypeForm
    list_display = ["name_de", "slug", "agency", "norm_days", "statutory_days", "is_active"]
    list_filter = ["agency", "is_active"]
    inlines = [CaseTransitionInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["user", "case_type"]
    list_filter = ["case_type"]
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]
    filter_horizontal = ["members"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    # No names: a case is read (and logged) on the workstation, not here.
    list_display = ["reference", "case_type", "status", "received_on", "planned_on"]
    list_filter = ["status", "case_type"]
    fields = ["reference", "case_type", "status", "channel", "received_on", "planned_on"]
    search_fields = ["reference"]
