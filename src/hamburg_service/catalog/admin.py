"""Catalogue maintenance in the Django admin; cross-row rules come from catalog.validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hamburg_service.catalog import validation
from hamburg_service.catalog.models import (
    CatalogEvent,
    CatalogEventKind,
    Closure,
    Counter,
    District,
    Location,
    ScheduleRule,
    Service,
    WeeklySchedule,
)
from hamburg_service.catalog.services import catalog_change_record
from hamburg_service.core.actors import Actor
from hamburg_service.core.admin import ReadOnlyAdmin


class EventRecordingAdmin(admin.ModelAdmin):
    """Admin changes land on the same catalogue timeline as API changes."""

    def _record(self, request: HttpRequest, obj: Any, kind: CatalogEventKind) -> None:
        catalog_change_record(obj=obj, kind=kind, actor=Actor.staff(request.user))

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._record(request, obj, CatalogEventKind.CREATED)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._record(request, obj, CatalogEventKind.CHANGED)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._record(request, obj, CatalogEventKind.DELETED)
        return super().log_deletions(request, queryset)


@admin.register(District)
class DistrictAdmin(EventRecordingAdmin):
    list_display = ("name_de", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_de",)}


class CounterInline(admin.TabularInline):
    model = Counter
    fields = ("name", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Location)
class LocationAdmin(EventRecordingAdmin):
    list_display = ("name_de", "kind", "district", "postcode", "is_active")
    list_filter = ("kind", "district", "is_active", "step_free")
    search_fields = ("name_de", "name_en", "street", "postcode", "slug")
    prepopulated_fields = {"slug": ("name_de",)}
    inlines = [CounterInline]
    fieldsets = (
        (None, {"fields": ("slug", "name_de", "name_en", "kind", "district", "is_active")}),
        (
            _("Address and contact"),
            {
                "fields": (
                    "street",
                    "postcode",
                    "city",
                    "latitude",
                    "longitude",
                    "phone",
                    "email",
                    "transport_de",
                    "transport_en",
                ),
            },
        ),
        (
            _("Accessibility"),
            {
                "fields": (
                    "step_free",
                    "hearing_loop",
                    "accessible_toilet",
                    "disabled_parking",
                    "accessibility_de",
                    "accessibility_en",
                ),
            },
        ),
    )


class ServiceAdminForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        locations = data.get("locations")
        agency = data.get("agency")
        if locations is not None and agency:
            try:
                validation.check_service_locations(service_agency=agency, locations=locations)
                validation.check_offer_removal(service=self.instance, locations=locations)
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Service)
class ServiceAdmin(EventRecordingAdmin):
    form = ServiceAdminForm
    list_display = ("name_de", "agency", "handling_minutes", "channel", "access", "is_active")
    list_filter = ("agency", "channel", "access", "is_active")
    search_fields = ("name_de", "name_en", "keywords_de", "keywords_en", "leika_key", "slug")
    prepopulated_fields = {"slug": ("name_de",)}
    filter_horizontal = ("locations", "combinable_with")
    fieldsets = (
        (None, {"fields": ("slug", "name_de", "name_en", "agency", "leika_key", "is_active")}),
        (
            _("Description"),
            {
                "fields": (
                    "summary_de",
                    "summary_en",
                    "keywords_de",
                    "keywords_en",
                    "documents_de",
                    "documents_en",
                ),
            },
        ),
        (_("Fee"), {"fields": ("fee_cents", "fee_note_de", "fee_note_en")}),
        (
            _("How it is served"),
            {
                "fields": ("handling_minutes", "channel", "access", "locations", "combinable_with"),
            },
        ),
    )


class RuleFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        rules = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            if data.get("opens") and data.get("closes") and data.get("weekday") is not None:
                rules.append(validation.RuleInput(data["weekday"], data["opens"], data["closes"]))
        try:
            validation.check_rules(rules)
        except ValidationError as error:
            raise ValidationError(error.message_dict["rules"]) from error


class RuleInline(admin.TabularInline):
    model = ScheduleRule
    formset = RuleFormSet
    extra = 0


class ScheduleAdminForm(forms.ModelForm):
    class Meta:
        model = WeeklySchedule
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("location") and data.get("valid_from") and data.get("purpose"):
            try:
                validation.check_schedule_period(
                    location=data["location"],
                    purpose=data["purpose"],
                    valid_from=data["valid_from"],
                    valid_until=data.get("valid_until"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def validate_unique(self) -> None:
        # check_schedule_period says the same in words a person understands.
        pass


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(EventRecordingAdmin):
    form = ScheduleAdminForm
    inlines = [RuleInline]
    list_display = ("location", "purpose", "label", "valid_from", "valid_until")
    list_filter = ("purpose", "location__kind", "location")
    date_hierarchy = "valid_from"


class CounterAdminForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("location") and data.get("services") is not None:
            try:
                validation.check_counter_services(
                    location=data["location"], services=data["services"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Counter)
class CounterAdmin(EventRecordingAdmin):
    form = CounterAdminForm
    list_display = ("name", "location", "is_active")
    list_filter = ("location", "is_active")
    filter_horizontal = ("services",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Counter]:
        return super().get_queryset(request).select_related("location")


class ClosureAdminForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("location") and data.get("start_date") and data.get("end_date"):
            try:
                validation.check_closure(
                    location=data["location"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    start_time=data.get("start_time"),
                    end_time=data.get("end_time"),
                    counters=data.get("counters") or [],
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Closure)
class ClosureAdmin(EventRecordingAdmin):
    form = ClosureAdminForm
    list_display = ("location", "start_date", "end_date", "start_time", "end_time", "reason_de")
    list_filter = ("location",)
    date_hierarchy = "start_date"
    filter_horizontal = ("counters",)


@admin.register(CatalogEvent)
class CatalogEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_user", "actor_kind", "kind", "object_type", "object_id", "data")
    list_filter = ("kind", "object_type")
