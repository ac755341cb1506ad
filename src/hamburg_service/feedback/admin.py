from django.contrib import admin

from hamburg_service.feedback.models import AccessibilityFeedback


@admin.register(AccessibilityFeedback)
class AccessibilityFeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "page_url", "language", "handled")
    list_filter = ("handled", "language")
    readonly_fields = ("created_at", "page_url", "message", "name", "email", "language")
