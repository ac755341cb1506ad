"""`{{ days|days_left }}`: days left to a date as a caseworker reads it ("3 days", "5 days
over", marked)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_left(days: int | None) -> SafeString | str:
    if days is None:
        return "–"
    if days < 0:
        text = ngettext("%(days)d day over", "%(days)d days over", -days) % {"days": -days}
        return format_html('<strong class="tag warning">{}</strong>', text)
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
