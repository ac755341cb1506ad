from __future__ import annotations

from typing import Any

from django import forms


class AccessibleErrorsMixin:
    """Marks fields with errors as aria-invalid and ties them to their message."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        for name in form.errors:
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{form[name].id_for_label}-error"


class AccessibleForm(AccessibleErrorsMixin, forms.Form):
    pass
