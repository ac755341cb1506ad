"""Which documents a case still needs (docs/cases.md, "Documents")."""

from __future__ import annotations

from hamburg_service.cases.models import Case, CaseDocument
from hamburg_service.catalog.i18n import active_suffix


def required_labels(case: Case) -> dict[str, str]:
    """The type's required documents by key, named in the active language."""
    suffix = active_suffix()
    return {
        str(item["key"]): str(item.get(suffix) or item.get("de") or item["key"])
        for item in case.case_type.required_documents
    }


def documents_missing(case: Case) -> list[str]:
    """The names of the required documents not yet received, in the type's order."""
    received = set(
        CaseDocument.objects.filter(case=case, received_at__isnull=False).values_list(
            "key", flat=True
        )
    )
    return [label for key, label in required_labels(case).items() if key not in received]
