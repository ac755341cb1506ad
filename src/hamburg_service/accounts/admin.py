from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.models import RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleInline]
    filter_horizontal = ("locations",)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "roles")
    list_filter = ("is_active", "role_assignments__role", "locations")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Work"), {"fields": ("locations", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("role_assignments")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(str(r.get_role_display()) for r in obj.role_assignments.all())


# The access log is not in the admin: only the data protection officer reads it, on its own
# page (accounts.audit, /staff/access-log/).
