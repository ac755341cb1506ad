"""The legally significant wording of the cases' letters, German original and English courtesy
translation side by side (docs/cases.md, "Decisions and letters"): the operative part of a
decision, the legal remedy (Rechtsbehelfsbelehrung), the provisional certificate's effect
(§ 81 Abs. 4 and 5 AufenthG) and the notice on a late application.

These are kept here, not in the translation catalogue, so that the binding German text does
not depend on a translation and legal can review every sentence in one file. **Legal must
review them before production** (docs/cases.md says which points are open). Placeholders are
`str.format` names; dates are passed formatted for the language.
"""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, translation

Texts = dict[str, str]  # language -> text

COURT = "Verwaltungsgericht Hamburg, Lübeckertordamm 4, 20099 Hamburg"
AUTHORITY = "Freie und Hansestadt Hamburg – Hamburg Service"

TITLE_NAMES: dict[str, Texts] = {
    "residence_permit": {"de": "Aufenthaltserlaubnis", "en": "residence permit"},
    "blue_card": {"de": "Blaue Karte EU", "en": "EU Blue Card"},
    "settlement_permit": {"de": "Niederlassungserlaubnis", "en": "settlement permit"},
    "permanent_eu": {
        "de": "Erlaubnis zum Daueraufenthalt-EU",
        "en": "EU long-term residence permit",
    },
    "national_visa": {"de": "nationales Visum", "en": "national visa"},
    "provisional": {"de": "Fiktionsbescheinigung", "en": "provisional certificate"},
}


def day_text(day: dt.date | None, language: str) -> str:
    """A date as each language writes it in a letter: 04.03.2026, 4 March 2026."""
    if day is None:
        return ""
    if language == "en":
        with translation.override("en"):
            return dateformat.format(day, "j F Y")
    return day.strftime("%d.%m.%Y")


def title_name(kind: str, language: str) -> str:
    return TITLE_NAMES.get(kind, {}).get(language, kind)


def pick(texts: Texts, language: str, **values: str) -> str:
    return texts["en" if language == "en" else "de"].format(**values)


# --- the operative part of a decision (Tenor) -------------------------------------------------

TENOR: dict[str, Texts] = {
    "approved": {
        "de": "Ihrem Antrag „{type}“ vom {received} wird stattgegeben.",
        "en": "Your application “{type}” of {received} is granted.",
    },
    "partly_approved": {
        "de": "Ihrem Antrag „{type}“ vom {received} wird teilweise stattgegeben. Im Übrigen "
        "wird der Antrag abgelehnt.",
        "en": "Your application “{type}” of {received} is granted in part. It is otherwise "
        "rejected.",
    },
    "rejected": {
        "de": "Ihr Antrag „{type}“ vom {received} wird abgelehnt.",
        "en": "Your application “{type}” of {received} is rejected.",
    },
}

GRANT_LIMITED: Texts = {
    "de": "Ihnen wird folgender Aufenthaltstitel erteilt: {title} nach {basis}, gültig vom "
    "{valid_from} bis zum {valid_until}.",
    "en": "You are granted this residence title: {title} under {basis}, valid from "
    "{valid_from} until {valid_until}.",
}
GRANT_UNLIMITED: Texts = {
    "de": "Ihnen wird folgender Aufenthaltstitel erteilt: {title} nach {basis}, gültig ab "
    "{valid_from} und unbefristet.",
    "en": "You are granted this residence title: {title} under {basis}, valid from "
    "{valid_from} without a time limit.",
}
GRANT_CARD: Texts = {
    "de": "Der Aufenthaltstitel wird als Karte (elektronischer Aufenthaltstitel) hergestellt. "
    "Wir laden Sie zur Aushändigung ein.",
    "en": "The residence title is produced as a card (electronic residence permit). We will "
    "invite you to collect it.",
}
OWN_REASONS_GERMAN: Texts = {
    "de": "",
    "en": "The caseworker's own words, as written in the German decision:",
}

# --- the legal remedy (Rechtsbehelfsbelehrung, § 58, § 59 VwGO) --------------------------------

REMEDY_HEADING: Texts = {"de": "Rechtsbehelfsbelehrung", "en": "Legal remedy"}

# Residence matters in Hamburg: no objection procedure, an action at the administrative court.
REMEDY_ACTION: list[Texts] = [
    {
        "de": "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Klage "
        "beim Verwaltungsgericht Hamburg, Lübeckertordamm 4, 20099 Hamburg, erhoben werden. "
        "Ein Widerspruchsverfahren findet nicht statt (§ 68 Abs. 1 Satz 2 VwGO in Verbindung "
        "mit § 6 HmbAGVwGO).",
        "en": "You may bring an action against this decision before the Administrative Court "
        "of Hamburg (Verwaltungsgericht Hamburg), Lübeckertordamm 4, 20099 Hamburg, within "
        "one month of its notification. There is no objection procedure (section 68 (1) "
        "sentence 2 Code of Administrative Court Procedure in conjunction with section 6 of "
        "Hamburg's implementing act).",
    },
    {
        "de": "Die Klage ist bei dem Gericht schriftlich oder zur Niederschrift der "
        "Urkundsbeamtin oder des Urkundsbeamten der Geschäftsstelle zu erheben. Sie kann auch "
        "als elektronisches Dokument nach Maßgabe des § 55a VwGO eingereicht werden; eine "
        "einfache E-Mail genügt nicht. Die Klage muss die Klägerin oder den Kläger, die "
        "Beklagte (Freie und Hansestadt Hamburg) und den Gegenstand des Klagebegehrens "
        "bezeichnen und soll einen bestimmten Antrag enthalten. Die zur Begründung dienenden "
        "Tatsachen und Beweismittel sollen angegeben werden; dieser Bescheid soll in Abschrift "
        "beigefügt werden.",
        "en": "The action must be brought in writing to the court or recorded by its "
        "registry. It may also be filed as an electronic document as set out in section 55a "
        "of the Code of Administrative Court Procedure; a simple e-mail is not sufficient. "
        "The action must name the claimant, the defendant (Freie und Hansestadt Hamburg) and "
        "the subject of the claim, and should contain a specific request. The facts and "
        "evidence supporting it should be stated and a copy of this decision attached.",
    },
]
# A refused residence title: the action does not suspend the decision (§ 84 AufenthG).
REMEDY_NO_SUSPENSION: Texts = {
    "de": "Die Klage hat keine aufschiebende Wirkung (§ 84 Abs. 1 Satz 1 Nr. 1 AufenthG). Beim "
    "Verwaltungsgericht Hamburg kann beantragt werden, die aufschiebende Wirkung der Klage "
    "anzuordnen (§ 80 Abs. 5 VwGO).",
    "en": "The action does not have suspensive effect (section 84 (1) sentence 1 no. 1 "
    "Residence Act). You may apply to the Administrative Court of Hamburg to order that it "
    "has suspensive effect (section 80 (5) Code of Administrative Court Procedure).",
}
# Other matters (the residents' side): an objection to the authority first.
REMEDY_OBJECTION: list[Texts] = [
    {
        "de": "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe "
        "Widerspruch erhoben werden. Der Widerspruch ist schriftlich, in elektronischer Form "
        "nach § 3a Abs. 2 HmbVwVfG oder zur Niederschrift bei der Freien und Hansestadt "
        "Hamburg – Hamburg Service –, Sitz Hamburg, zu erheben, die diesen Bescheid erlassen "
        "hat.",
        "en": "You may object to this decision within one month of its notification. The "
        "objection must be made in writing, in electronic form as set out in section 3a (2) "
        "of Hamburg's Administrative Procedure Act, or recorded in person at the Freie und "
        "Hansestadt Hamburg – Hamburg Service –, seated in Hamburg, which made this decision.",
    }
]

COURTESY_NOTE: Texts = {
    "de": "",
    "en": "Courtesy translation. Only the German original is legally binding; in case of "
    "doubt, the German text prevails.",
}


def remedy(*, agency: str, title_refused: bool) -> list[Texts]:
    """The paragraphs of the legal remedy of a (partly) rejecting decision."""
    if agency == "immigration":
        return [*REMEDY_ACTION, *([REMEDY_NO_SUSPENSION] if title_refused else [])]
    return list(REMEDY_OBJECTION)


# --- the provisional certificate (Fiktionsbescheinigung, § 81 Abs. 5 AufenthG) -----------------

PROVISIONAL_EFFECT: list[Texts] = [
    {
        "de": "Die Inhaberin oder der Inhaber dieser Bescheinigung hat am {received} die "
        "Verlängerung ihres oder seines Aufenthaltstitels ({title}, gültig bis {expires}) "
        "beantragt, bevor dieser abgelaufen ist.",
        "en": "The holder of this certificate applied on {received} for the extension of their "
        "residence title ({title}, valid until {expires}) before it expired.",
    },
    {
        "de": "Der bisherige Aufenthaltstitel gilt vom Zeitpunkt seines Ablaufs bis zur "
        "Entscheidung der Ausländerbehörde als fortbestehend (§ 81 Abs. 4 Satz 1 AufenthG). "
        "Seine Nebenbestimmungen, insbesondere zur Erwerbstätigkeit, gelten fort.",
        "en": "The previous residence title is deemed to continue from its expiry until the "
        "immigration authority decides (section 81 (4) sentence 1 Residence Act). Its "
        "conditions, in particular on employment, continue to apply.",
    },
    {
        "de": "Diese Bescheinigung gilt bis zum {valid_until}, längstens bis zur Entscheidung "
        "über den Antrag, und nur zusammen mit einem gültigen Pass oder Passersatz.",
        "en": "This certificate is valid until {valid_until}, at the longest until the "
        "application is decided, and only together with a valid passport or passport "
        "substitute.",
    },
]

# --- the notice on a late application -----------------------------------------------------------

LATE_NOTICE: list[Texts] = [
    {
        "de": "Ihr Aufenthaltstitel ({title}) war bis zum {expired} gültig. Ihr Antrag vom "
        "{received} ist erst nach dem Ablauf dieses Titels bei uns eingegangen.",
        "en": "Your residence title ({title}) was valid until {expired}. Your application of "
        "{received} reached us only after this title had expired.",
    },
    {
        "de": "Deshalb gilt der bisherige Aufenthaltstitel nicht nach § 81 Abs. 4 Satz 1 "
        "AufenthG als fortbestehend, und wir können Ihnen keine Fiktionsbescheinigung "
        "ausstellen. Bis zu einer Entscheidung oder Anordnung besitzen Sie keinen "
        "Aufenthaltstitel.",
        "en": "Your previous residence title is therefore not deemed to continue under "
        "section 81 (4) sentence 1 Residence Act, and we cannot issue you a provisional "
        "certificate. Until a decision or an order, you do not hold a residence title.",
    },
    {
        "de": "Zur Vermeidung einer unbilligen Härte können wir die Fortgeltung des bisherigen "
        "Aufenthaltstitels anordnen (§ 81 Abs. 4 Satz 3 AufenthG). Wenn Sie den Antrag aus "
        "Gründen zu spät gestellt haben, die Sie nicht zu vertreten haben (zum Beispiel eine "
        "Krankheit), teilen Sie uns dies bitte umgehend mit Nachweisen und unter Angabe des "
        "Aktenzeichens {reference} mit.",
        "en": "To avoid undue hardship, we may order that your previous residence title "
        "continues to apply (section 81 (4) sentence 3 Residence Act). If you applied late "
        "for reasons beyond your control (for example an illness), please tell us at once, "
        "with evidence and quoting the reference {reference}.",
    },
    {
        "de": "Wir prüfen Ihren Antrag trotzdem. Dieser Hinweis ist keine Entscheidung über "
        "Ihren Antrag. Wir empfehlen Ihnen, sich beraten zu lassen, zum Beispiel bei einer "
        "Migrationsberatungsstelle oder einer Rechtsanwältin oder einem Rechtsanwalt.",
        "en": "We will examine your application nonetheless. This notice is not a decision on "
        "your application. We recommend that you seek advice, for example from a migration "
        "counselling service or a lawyer.",
    },
]
