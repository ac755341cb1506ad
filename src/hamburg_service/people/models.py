"""The person record (Melderegister und Ausländerakte in einem): a person's names, birth,
nationalities, residences over time, identity documents and residence titles, and the event
table of every change to them.

Residences, nationalities, documents and titles are **bitemporal**: each row says when it was
true (`moved_in_on` … `moved_out_on`, `valid_from` … `valid_until`, dates as the law counts
them, Europe/Berlin) and when the register learnt it (`registered_at`/`recorded_at`, and
`ended_recorded_at` for its end; times in UTC). A row recorded in error is not deleted but
voided (`voided_at`), so that the register can say what it knew at any moment
(`selectors.person_as_of`). Names are kept current on the person; each correction's event
holds the names before it, from which earlier states are rebuilt.

Nothing here is read by pages or the API directly: every read of a person's data goes through
the access layer (docs/people.md).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.events import Event


class Sex(models.TextChoices):
    """Geschlecht as the register codes it (§ 3 Abs. 1 Nr. 7 BMG, § 22 Abs. 3 PStG)."""

    MALE = "m", _("male")
    FEMALE = "w", _("female")
    DIVERSE = "d", _("diverse")
    UNSPECIFIED = "x", _("not specified / unknown")


class PersonStatus(models.TextChoices):
    RESIDENT = "resident", _("resident")
    MOVED_AWAY = "moved_away", _("moved away")
    DECEASED = "deceased", _("deceased")


class Person(models.Model):
    """Person (Einwohner/in, Ausländer/in): one record for registration and immigration."""

    external_id = models.CharField(
        _("register id of the previous system"), max_length=40, unique=True, null=True, blank=True
    )
    family_name = models.CharField(_("family name"), max_length=120)
    given_names = models.CharField(_("given names"), max_length=120, blank=True)
    birth_name = models.CharField(_("birth name"), max_length=120, blank=True)
    name_affix = models.CharField(
        _("name affix"), max_length=40, blank=True, help_text=_('for example "von", "de"')
    )
    doctoral_degree = models.CharField(_("doctoral degree"), max_length=40, blank=True)
    # The names in their original script (passport, birth certificate), for search only.
    original_family_name = models.CharField(
        _("family name, original script"), max_length=120, blank=True
    )
    original_given_names = models.CharField(
        _("given names, original script"), max_length=120, blank=True
    )
    # Search keys: ICAO 9303 transliteration and Kölner Phonetik (names.py).
    family_key = models.CharField(max_length=200, editable=False)
    given_key = models.CharField(max_length=200, editable=False, blank=True)
    family_phonetic = models.CharField(max_length=200, editable=False)
    given_phonetic = models.CharField(max_length=200, editable=False, blank=True)
    birth_name_phonetic = models.CharField(max_length=200, editable=False, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # Date of birth, possibly partly unknown (common in immigration files): `birth_key` is
    # YYYYMMDD with 00 for what is unknown (19850300 = March 1985), sortable and searchable.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    birth_month = models.PositiveSmallIntegerField(_("month of birth"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("day of birth"), null=True, blank=True)
    birth_key = models.PositiveIntegerField(editable=False)
    birth_place = models.CharField(_("place of birth"), max_length=120, blank=True)
    birth_country = models.CharField(
        _("country of birth"), max_length=3, blank=True, help_text=_("ISO 3166 alpha-3")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.RESIDENT
    )
    deceased_on = models.DateField(_("died on"), null=True, blank=True)
    death_recorded_at = models.DateTimeField(_("death recorded"), null=True, blank=True)
    # Where a person went who moved away (Abmeldung), as they told it.
    moved_away_to = models.CharField(_("new address (outside Hamburg)"), max_length=300, blank=True)
    moved_away_country = models.CharField(_("moved to country"), max_length=3, blank=True)
    # A duplicate merged into another record; undone by clearing it (services.person_merge_undo).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("merged into"),
        db_index=False,  # person_merged_into below: a planner must never pick it for IS NULL
    )
    created_at = models.DateTimeField(_("created"))
    # Given by the person at the counter, with their consent, for notices about their data
    # ("who read my data"); never shown in search lists. Stored normalised (lower case).
    contact_email = models.EmailField(_("e-mail for notices"), blank=True, db_index=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["family_phonetic", "birth_year"], name="person_phonetic_birth"),
            models.Index(
                fields=["birth_name_phonetic", "birth_year"], name="person_birth_name_phonetic"
            ),
            # A search without a date of birth: family and given names by sound (the given
            # names' words as a prefix, core.db.WordPrefix).
            models.Index(
                fields=["family_phonetic", "given_phonetic"],
                name="person_phonetic_given",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # Equality and prefix (`given_key LIKE 'ANNA %'`) whatever the database's
            # collation; it cannot serve an ORDER BY, so no search walks it for one.
            models.Index(
                fields=["family_key", "given_key"],
                name="person_name_prefix",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            models.Index(fields=["birth_key"], name="person_birth_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_month__gte=1, birth_month__lte=12),
                name="person_birth_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True)
                | Q(birth_month__isnull=False, birth_day__gte=1, birth_day__lte=31),
                name="person_birth_day_needs_month",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")), name="person_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        # No name: a foreign-key widget, an error or a log line must not show person data
        # past the access log.
        return f"Person {self.pk}"

    @property
    def birth_display(self) -> str:
        """dd.mm.yyyy with unknown parts as 00, the way German registers write it."""
        return f"{self.birth_day or 0:02d}.{self.birth_month or 0:02d}.{self.birth_year:04d}"


class NameLock(models.Model):
    """One row per name-and-birth-year key (`services.identity_lock_keys`), locked while a
    person with such a name is created, so that two clerks registering the same person at once
    are served one after the other and the second sees the first's record."""

    key = models.CharField(max_length=220, unique=True)

    def __str__(self) -> str:
        return self.key


class Nationality(models.Model):
    """Staatsangehörigkeit: ISO 3166-1 alpha-3, plus ICAO's XXA (stateless), XXB/XXC
    (refugees) and XXX (unknown)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nationalities")
    country = models.CharField(_("nationality"), max_length=3)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    ended_recorded_at = models.DateTimeField(_("end recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("nationality")
        verbose_name_plural = _("nationalities")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "country"],
                condition=Q(until__isnull=True),
                name="nationality_held_once",
            ),
        ]

    def __str__(self) -> str:
        return self.country


class ResidenceKind(models.TextChoices):
    MAIN = "main", _("main residence")
    SECONDARY = "secondary", _("secondary residence")


class Residence(models.Model):
    """Wohnung: an address in Hamburg over time. True from `moved_in_on` to `moved_out_on`
    (the last day lived there, inclusive; open while null); known from `registered_at`, its
    end from `ended_recorded_at`; a row recorded in error carries `voided_at`."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    kind = models.CharField(_("residence"), max_length=10, choices=ResidenceKind.choices)
    street = models.CharField(_("street"), max_length=120)
    house_number = models.CharField(_("house number"), max_length=20)
    address_extra = models.CharField(_("address extra"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5)
    city = models.CharField(_("city"), max_length=60, default="Hamburg")
    moved_in_on = models.DateField(_("moved in on"))
    registered_at = models.DateTimeField(_("registered"))
    late = models.BooleanField(_("registered late"), default=False)
    landlord_confirmation = models.CharField(
        _("landlord's confirmation"), max_length=60, blank=True
    )
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    ended_recorded_at = models.DateTimeField(_("end recorded"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["moved_in_on", "pk"]
        indexes = [models.Index(fields=["person", "moved_in_on"], name="residence_person_in")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind="main", moved_out_on__isnull=True, voided_at__isnull=True),
                name="one_current_main_residence",
            ),
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=F("moved_in_on")),
                name="residence_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode} {self.city}"


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("identity card")
    PASSPORT = "passport", _("passport")
    RESIDENCE_CARD = "eat", _("electronic residence permit card (eAT)")


class IdentityDocument(models.Model):
    """Ausweisdokument: identity card, passport or eAT card."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=20)
    issuing_country = models.CharField(_("issued by"), max_length=3, default="DEU")
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    recorded_at = models.DateTimeField(_("recorded"))
    ended_on = models.DateField(_("invalid from"), null=True, blank=True)
    ended_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    ended_recorded_at = models.DateTimeField(_("end recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["issued_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_country", "kind", "number"], name="document_number_once"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("issued_on")), name="document_expires_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class TitleKind(models.TextChoices):
    """Aufenthaltstitel (§ 4 AufenthG) and the provisional certificate (§ 81 Abs. 5)."""

    RESIDENCE_PERMIT = "residence_permit", _("residence permit (Aufenthaltserlaubnis)")
    BLUE_CARD = "blue_card", _("EU Blue Card")
    SETTLEMENT_PERMIT = "settlement_permit", _("settlement permit (Niederlassungserlaubnis)")
    PERMANENT_EU = "permanent_eu", _("EU long-term residence (Daueraufenthalt-EU)")
    NATIONAL_VISA = "national_visa", _("national visa")
    PROVISIONAL = "provisional", _("provisional certificate (Fiktionsbescheinigung)")


class ResidenceTitle(models.Model):
    """Aufenthaltstitel: kind and legal basis ("§ 18b AufenthG"), valid from/to, conditions
    (Nebenbestimmungen), card number (eAT)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="titles")
    kind = models.CharField(_("kind"), max_length=20, choices=TitleKind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    card_number = models.CharField(_("card number"), max_length=20, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    ended_recorded_at = models.DateTimeField(_("end recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("residence title")
        verbose_name_plural = _("residence titles")
        ordering = ["valid_from", "pk"]
        indexes = [models.Index(fields=["valid_until"], name="title_valid_until")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="title_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.legal_basis}"


class InformationBlock(models.Model):
    """Auskunftssperre (§ 51 BMG): a person at risk is not to be found by register information
    requests. Set by the central registration office with a reason, for two years (§ 51 (4)),
    extendable; entitled staff see it on the record."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="blocks")
    reason = models.TextField(_("reason"), max_length=1000)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    set_at = models.DateTimeField(_("set"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("information block")
        verbose_name_plural = _("information blocks")
        indexes = [models.Index(fields=["person", "ends_on"], name="block_person_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="block_ends_after_start"
            ),
            # At most one block in force per person: an extension changes its end.
            models.UniqueConstraint(
                fields=["person"], condition=Q(lifted_on__isnull=True), name="one_block_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.starts_on}–{self.ends_on}"

    def in_force(self, on: dt.date) -> bool:
        return self.lifted_on is None and self.starts_on <= on <= self.ends_on


class PersonEventKind(models.TextChoices):
    CREATED = "created", _("created")
    IMPORTED = "imported", _("imported")
    CORRECTED = "corrected", _("corrected")
    MOVED_IN = "moved_in", _("registered a residence (Anmeldung)")
    MOVED_WITHIN = "moved_within", _("changed address (Ummeldung)")
    MOVED_AWAY = "moved_away", _("deregistered (Abmeldung)")
    NATIONALITY_ADDED = "nationality_added", _("nationality recorded")
    NATIONALITY_ENDED = "nationality_ended", _("nationality ended")
    DOCUMENT_RECORDED = "document_recorded", _("document recorded")
    DOCUMENT_ENDED = "document_ended", _("document ended")
    TITLE_RECORDED = "title_recorded", _("residence title recorded")
    TITLE_ENDED = "title_ended", _("residence title ended")
    DEATH_RECORDED = "death_recorded", _("death recorded")
    MERGED_INTO = "merged_into", _("merged into another record")
    MERGED_FROM = "merged_from", _("took over a duplicate record")
    MERGE_UNDONE = "merge_undone", _("merge undone")
    BLOCK_SET = "block_set", _("information block set")
    BLOCK_EXTENDED = "block_extended", _("information block extended")
    BLOCK_LIFTED = "block_lifted", _("information block lifted")
    CERTIFICATE_ISSUED = "certificate_issued", _("registration certificate issued")
    CERTIFICATE_REVOKED = "certificate_revoked", _("registration certificate revoked")
    ACCOUNT_LINKED = "account_linked", _("online account linked")
    ACCOUNT_UNLINKED = "account_unlinked", _("online account unlinked")


class PersonEvent(Event):
    subject_field = "person"
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=PersonEventKind.choices)

    class Meta(Event.Meta):
        verbose_name = _("person event")
        verbose_name_plural = _("person events")
        indexes = [models.Index(fields=["person", "at"], name="person_event_at")]


# --- Registration certificates (Meldebescheinigung, § 18 BMG): people/certificates.py ---


class CertificateSequence(models.Model):
    """The last registration certificate number given in a year (`MB-2026-000123`): one row a
    year, counted up under its row lock in a transaction of its own (a failed issue leaves a
    gap, never a number given twice)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Certificate(models.Model):
    """Meldebescheinigung (§ 18 Abs. 1 BMG): what was printed, as it was on the day it was
    issued (`data`, the very dict its QR code signs: the record may change later), the public
    number, and the hash of the secret verification code printed beside it (the code itself is
    never stored: it exists only on the PDF handed out)."""

    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    code_hash = models.CharField(max_length=200, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="certificates")
    # Compact keys, as in the QR code: c number, n family name, g given names, dr doctoral
    # degree, b date of birth (00 for unknown parts), a/m main residence and moved in on,
    # s secondary residences [{a, m}].
    data = models.JSONField(_("data printed"))
    language = models.CharField(_("language"), max_length=5)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.CharField(_("why it was revoked"), max_length=500, blank=True)
    # Verifications on the public page: genuine (right code or genuine QR code), and wrong
    # codes given with this number.
    verified_count = models.PositiveIntegerField(_("verified"), default=0)
    failed_count = models.PositiveIntegerField(_("wrong codes"), default=0)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration certificate")
        verbose_name_plural = _("registration certificates")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["person", "issued_at"], name="certificate_person_issued")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revoked_reason="")),
                name="certificate_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CertificateCheckOutcome(models.TextChoices):
    """How a verification on the public page ended: by number and code, or by the QR code's
    text (the refusals are `core.signing.payload_verify`'s)."""

    CODE_VALID = "code_valid", _("number and code: valid")
    CODE_REVOKED = "code_revoked", _("number and code: revoked")
    CODE_NOT_VALID = "code_not_valid", _("number and code: not valid")
    QR_VALID = "qr_valid", _("QR code: valid")
    QR_REVOKED = "qr_revoked", _("QR code: revoked")
    QR_NOT_ON_FILE = "qr_not_on_file", _("QR code: genuine signature, no such certificate")
    QR_MALFORMED = "qr_malformed", _("QR code: not a code of ours")
    QR_KEY_UNKNOWN = "qr_key_unknown", _("QR code: unknown key")
    QR_SIGNATURE_INVALID = "qr_signature_invalid", _("QR code: altered")
    QR_KIND = "qr_kind", _("QR code: another kind of document")


class CertificateCheckCount(models.Model):
    """Verifications a day by outcome, without personal data (kept for figures)."""

    day = models.DateField(_("day"))
    outcome = models.CharField(_("outcome"), max_length=30, choices=CertificateCheckOutcome.choices)
    checks = models.PositiveIntegerField(_("verifications"), default=0)

    class Meta:
        verbose_name = _("certificate verification count")
        verbose_name_plural = _("certificate verification counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "outcome"], name="certificate_check_day_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome}: {self.checks}"


class InformationPurpose(models.TextChoices):
    """Why register information is asked for: § 44 (1) sentence 2 BMG wants a commercial
    purpose declared."""

    PRIVATE = "private", _("private")
    COMMERCIAL = "commercial", _("commercial")


class InformationAnswer(models.TextChoices):
    """The one answer a register information request gets. "Not found" covers unknown,
    deceased, moved away and blocked (§ 51 BMG) alike."""

    FOUND = "found", _("found")
    NOT_FOUND = "not_found", _("not found")
    NOT_UNIQUE = "not_unique", _("not unique")


class InformationChannel(models.TextChoices):
    PAGE = "page", _("web page")
    API = "api", _("API")


class RegisterInformationRequest(models.Model):
    """Einfache Melderegisterauskunft (§ 44 BMG): one row per answered request — who asked,
    why, with which details, what they were told, and the fee. Read by the data protection
    officer and the central registration office only; the person matched (`person`, also a
    blocked one) and the blocks (`blocks`) are never shown to the requester."""

    reference = models.CharField(_("request number"), max_length=12, unique=True)
    at = models.DateTimeField(_("asked at"))
    channel = models.CharField(_("channel"), max_length=4, choices=InformationChannel.choices)
    language = models.CharField(_("language"), max_length=5, default="de")
    requester_name = models.CharField(_("requester"), max_length=150)
    requester_email = models.EmailField(_("requester's e-mail address"), max_length=254)
    purpose = models.CharField(_("purpose"), max_length=10, choices=InformationPurpose.choices)
    commercial_purpose = models.CharField(_("commercial purpose"), max_length=200, blank=True)
    # The details given, as checked: names, date of birth and/or former address.
    criteria = models.JSONField(_("details given"), default=dict)
    answer = models.CharField(_("answer"), max_length=10, choices=InformationAnswer.choices)
    # The person found, or the blocked person the answer "not found" stands for.
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    # § 51 BMG: the blocks in force of the persons who matched; each person is told.
    blocked = models.BooleanField(_("a blocked person matched"), default=False)
    blocks = models.JSONField(_("information blocks"), default=list, blank=True)
    notified_at = models.DateTimeField(_("registration office told"), null=True, blank=True)
    receipt_queued_at = models.DateTimeField(_("receipt queued"), null=True, blank=True)
    fee_cents = models.PositiveIntegerField(_("fee due (cents)"))

    class Meta:
        verbose_name = _("register information request")
        verbose_name_plural = _("register information requests")
        indexes = [
            models.Index(fields=["at"], name="information_request_at"),
            models.Index(
                fields=["blocked", "notified_at"],
                condition=Q(blocked=True),
                name="information_request_blocked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.answer}"
