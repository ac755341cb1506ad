from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.dateparse import parse_datetime

from hamburg_service.core.text import refused_message, text_refused


class AccessibleErrorsMixin:
    """Refuses control characters in every text field; marks fields with errors as
    aria-invalid and ties them to their message."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        if form.is_bound:
            for name in form.fields:
                raw = form[name].data
                values = raw if isinstance(raw, list | tuple) else [raw]
                if any(isinstance(v, str) and text_refused(v) for v in values):
                    form.cleaned_data.pop(name, None)
                    if name not in form.errors:
                        form.add_error(name, refused_message())
        for name in form.errors:
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                if not form[name].id_for_label:
                    # A group of boxes has no one id: its fieldset names the message.
                    continue
                # The message first, then the help text Django already ties to the field.
                ids = [f"{form[name].id_for_label}-error"]
                if form.fields[name].help_text:
                    ids.append(f"{form[name].auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(ids)


class AccessibleForm(AccessibleErrorsMixin, forms.Form):
    pass


def errors_to_form(form: Any, error: Any) -> None:
    """Show a service's field errors (InvalidInput.errors) at the form's fields; the rest above
    the form."""
    for item in error.errors:
        form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])


def parse_moment(value: str | None) -> dt.datetime | None:
    """An ISO date-time from a form or link; None when missing or impossible (30 February)."""
    try:
        return parse_datetime(value or "")
    except ValueError:
        return None


def posted_id(value: str | None) -> int | None:
    """A database id sent by a form or link; None when missing, not a number or out of range
    (a huge number must answer "not found", not fail in the database)."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None
