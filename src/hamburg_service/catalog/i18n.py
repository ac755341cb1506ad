"""Two-language model fields (`name_de`, `name_en`) read in the active language."""

from __future__ import annotations

from django.utils.translation import get_language


def active_suffix() -> str:
    """`en` while English is active, else `de` (German is the default and the fallback)."""
    lang = get_language() or "de"
    return "en" if lang.startswith("en") else "de"


class Translated:
    """Mixin for models with `<field>_de` / `<field>_en` pairs; English falls back to German."""

    def t(self, field: str) -> str:
        value = getattr(self, f"{field}_{active_suffix()}", "") or ""
        return value or str(getattr(self, f"{field}_de", "") or "")

    @property
    def name(self) -> str:
        return self.t("name")
