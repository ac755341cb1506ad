"""Reason templates for decisions (docs/cases.md, "Decisions and letters").

A caseworker deciding a case picks reasons from its type's templates and/or writes their own.
A template is a sentence in German (the letter's binding text) and English (the courtesy
translation), for one outcome. A case type's `reason_templates` (JSON, edited in the admin)
replaces the defaults below, which are per agency:

    [{"key": "income", "outcome": "rejected",
      "de": "Der Lebensunterhalt ist nicht gesichert (§ 5 Abs. 1 Nr. 1 AufenthG).",
      "en": "Your livelihood is not secured (section 5 (1) no. 1 Residence Act)."}]

An entry without a key, a known outcome or a German text is skipped (an editing slip must
not break the decide form); the English falls back to the German.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hamburg_service.cases.models import CaseType

APPROVED, PARTLY, REJECTED = "approved", "partly_approved", "rejected"
OUTCOMES = (APPROVED, PARTLY, REJECTED)


@dataclass(frozen=True, slots=True)
class ReasonTemplate:
    key: str
    outcome: str
    de: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.de


def _t(key: str, outcome: str, de: str, en: str) -> dict[str, str]:
    return {"key": key, "outcome": outcome, "de": de, "en": en}


IMMIGRATION_DEFAULTS: list[dict[str, str]] = [
    _t(
        "requirements-met",
        APPROVED,
        "Die allgemeinen und besonderen Voraussetzungen für die Erteilung des beantragten "
        "Aufenthaltstitels liegen vor. Der Lebensunterhalt ist gesichert, Identität und "
        "Staatsangehörigkeit sind geklärt, die Passpflicht ist erfüllt und ein "
        "Ausweisungsinteresse besteht nicht (§ 5 Abs. 1 AufenthG).",
        "The general and specific requirements for the residence title applied for are met. "
        "Your livelihood is secured, your identity and nationality are established, you hold a "
        "valid passport and there is no public interest in your expulsion (section 5 (1) "
        "Residence Act).",
    ),
    _t(
        "purpose-continues",
        APPROVED,
        "Der Aufenthaltszweck, für den der bisherige Aufenthaltstitel erteilt wurde, besteht "
        "fort (§ 8 Abs. 1 AufenthG).",
        "The purpose of stay for which your previous residence title was granted continues "
        "(section 8 (1) Residence Act).",
    ),
    _t(
        "shorter-period",
        PARTLY,
        "Der Aufenthaltstitel wird für einen kürzeren als den beantragten Zeitraum erteilt, "
        "weil die Voraussetzungen nur für diesen Zeitraum nachgewiesen sind (zum Beispiel ein "
        "befristeter Arbeitsvertrag). Im Übrigen wird der Antrag abgelehnt.",
        "The residence title is granted for a shorter period than applied for, because the "
        "requirements are proven only for this period (for example a fixed-term employment "
        "contract). The application is otherwise rejected.",
    ),
    _t(
        "condition-attached",
        PARTLY,
        "Der Aufenthaltstitel wird mit einer Nebenbestimmung erteilt (§ 12 Abs. 2 AufenthG); "
        "soweit der Antrag auf einen Titel ohne diese Nebenbestimmung gerichtet war, wird er "
        "abgelehnt.",
        "The residence title is granted with a condition (section 12 (2) Residence Act); in so "
        "far as you applied for a title without this condition, the application is rejected.",
    ),
    _t(
        "livelihood",
        REJECTED,
        "Der Lebensunterhalt ist nicht gesichert (§ 5 Abs. 1 Nr. 1, § 2 Abs. 3 AufenthG). "
        "Das nachgewiesene Einkommen deckt den Bedarf nicht.",
        "Your livelihood is not secured (sections 5 (1) no. 1 and 2 (3) Residence Act). The "
        "income you have proven does not cover your needs.",
    ),
    _t(
        "passport",
        REJECTED,
        "Die Passpflicht ist nicht erfüllt (§ 3 Abs. 1, § 5 Abs. 1 Nr. 4 AufenthG).",
        "You do not hold a valid passport as required (sections 3 (1) and 5 (1) no. 4 "
        "Residence Act).",
    ),
    _t(
        "not-cooperating",
        REJECTED,
        "Die zur Prüfung erforderlichen Nachweise wurden trotz Aufforderung und Fristsetzung "
        "nicht vorgelegt (§ 82 Abs. 1 AufenthG). Ohne sie lässt sich nicht feststellen, dass "
        "die Voraussetzungen vorliegen.",
        "The evidence needed to examine your application was not provided although we asked "
        "for it and set a deadline (section 82 (1) Residence Act). Without it we cannot "
        "establish that the requirements are met.",
    ),
    _t(
        "purpose-ended",
        REJECTED,
        "Der Aufenthaltszweck, für den der bisherige Aufenthaltstitel erteilt wurde, ist "
        "entfallen, und ein anderer Aufenthaltszweck ist nicht dargelegt.",
        "The purpose of stay for which your previous residence title was granted has ended, "
        "and no other purpose of stay has been shown.",
    ),
]

GENERAL_DEFAULTS: list[dict[str, str]] = [
    _t(
        "requirements-met",
        APPROVED,
        "Die Voraussetzungen für die beantragte Leistung liegen vor.",
        "The requirements for what you applied for are met.",
    ),
    _t(
        "in-part",
        PARTLY,
        "Dem Antrag wird nur teilweise entsprochen, weil die Voraussetzungen nur für einen "
        "Teil des Beantragten vorliegen. Im Übrigen wird der Antrag abgelehnt.",
        "Your application is granted only in part, because the requirements are met only for "
        "part of what you applied for. The application is otherwise rejected.",
    ),
    _t(
        "requirements-not-met",
        REJECTED,
        "Die Voraussetzungen für die beantragte Leistung liegen nicht vor.",
        "The requirements for what you applied for are not met.",
    ),
    _t(
        "not-cooperating",
        REJECTED,
        "Die zur Prüfung erforderlichen Nachweise wurden trotz Aufforderung und Fristsetzung "
        "nicht vorgelegt.",
        "The evidence needed to examine your application was not provided although we asked "
        "for it and set a deadline.",
    ),
]


def _parsed(entries: Iterable[Any]) -> list[ReasonTemplate]:
    found: list[ReasonTemplate] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key, outcome = str(entry.get("key") or "").strip(), entry.get("outcome")
        de = str(entry.get("de") or "").strip()
        if not key or key in seen or outcome not in OUTCOMES or not de:
            continue
        seen.add(key)
        found.append(ReasonTemplate(key, outcome, de, str(entry.get("en") or "").strip() or de))
    return found


def reason_templates(case_type: CaseType, outcome: str | None = None) -> list[ReasonTemplate]:
    """The reasons a decision of `case_type` (with `outcome`, or any) may give."""
    entries = case_type.reason_templates or (
        IMMIGRATION_DEFAULTS if case_type.agency == "immigration" else GENERAL_DEFAULTS
    )
    templates = _parsed(entries if isinstance(entries, list) else [])
    return [t for t in templates if outcome is None or t.outcome == outcome]


def reasons_chosen(case_type: CaseType, outcome: str, keys: Sequence[str]) -> list[ReasonTemplate]:
    """The templates `keys` name, in the type's order; None of them may be unknown or of
    another outcome (ValueError names the first such key)."""
    templates = {t.key: t for t in reason_templates(case_type, outcome)}
    for key in keys:
        if key not in templates:
            raise ValueError(key)
    wanted = set(keys)
    return [t for t in templates.values() if t.key in wanted]
