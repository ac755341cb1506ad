from __future__ import annotations

from django.db import transaction

from hamburg_service.feedback.models import AccessibilityFeedback


def accessibility_feedback_submit(
    *, message: str, page_url: str = "", name: str = "", email: str = "", language: str = "de"
) -> AccessibilityFeedback:
    with transaction.atomic():
        return AccessibilityFeedback.objects.create(
            message=message.strip(),
            page_url=page_url.strip()[:500],
            name=name.strip(),
            email=email.strip(),
            language=language[:5],
        )
