"""Cases: applications worked by the city-wide pool (docs/cases.md).

A case type (data, edited in the admin) says which statuses its cases pass through and which
transitions are allowed, the service norm and the statutory period, whether waiting suspends
the clock, the documents required and who decides. A case belongs to the organisation, not to
a district: `assigned_to` is the caseworker working it now, empty while it waits in the pool.

The clock is computed from the case's events (`cases.clock`); the columns `suspended_days`,
`planned_on`, `statutory_due_on` and `urgency` are that computation stored at every event (and
each night), so that lists and "next case" can sort by them with an index.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hamburg_service.accounts.models import Role
from hamburg_service.catalog.i18n import Translated
from hamburg_service.catalog.models import Agency
from hamburg_service.core.events import Event


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_REVIEW = "in_review", _("in review")
    WAITING_APPLICANT = "waiting_applicant", _("waiting for the applicant")
    WAITING_AUTHORITY = "waiting_authority", _("waiting for another authority")
    DECIDED = "decided", _("decided")
    IN_PRODUCTION = "in_production", _("document in production")
    READY_FOR_PICKUP = "ready_for_pickup", _("ready for pick-up")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REJECTED = "rejected", _("rejected")


# Not yet decided: these are in the pool or with a caseworker, and the clock runs.
UNDECIDED = frozenset(
    {
        CaseStatus.RECEIVED,
        CaseStatus.IN_REVIEW,
        CaseStatus.WAITING_APPLICANT,
        CaseStatus.WAITING_AUTHORITY,
    }
)
WAITING = frozenset({CaseStatus.WAITING_APPLICANT, CaseStatus.WAITING_AUTHORITY})
FINAL = frozenset({CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.REJECTED})
# The statuses a case may reach only through a decision or by being withdrawn.
DECISION_STATUSES = frozenset({CaseStatus.DECIDED, CaseStatus.REJECTED})


class Channel(models.TextChoices):
    """How the application reached us. It never changes the rank in the pool."""

    COUNTER = "counter", _("at the counter")
    DESK = "desk", _("at the front desk")
    POST = "post", _("by post")
    ONLINE = "online", _("online")
    API = "api", _("through the API")


class CaseType(Translated, models.Model):
    """What kind of application, and the rules its cases follow."""

    slug = models.SlugField(unique=True)
    name_de = models.CharField(_("name (German)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        related_name="case_types",
        verbose_name=_("service"),
    )
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    norm_days = models.PositiveSmallIntegerField(
        _("service norm (days)"),
        help_text=_("The days we aim to decide in, not counting suspended days."),
    )
    statutory_days = models.PositiveSmallIntegerField(
        _("statutory period (days)"),
        null=True,
        blank=True,
        help_text=_("The days the law allows, where it sets a period. Empty if none."),
    )
    statutory_basis = models.CharField(
        _("statutory period: legal basis"), max_length=100, blank=True
    )
    suspends_for_applicant = models.BooleanField(
        _("waiting for the applicant suspends the clock"), default=True
    )
    suspends_for_authority = models.BooleanField(
        _("waiting for another authority suspends the clock"), default=False
    )
    suspension_basis = models.CharField(
        _("why the clock may be suspended"), max_length=300, blank=True
    )
    required_documents = models.JSONField(
        _("documents required"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"key": "passport", "de": "Reisepass", "en": "Passport"}: what the '
            "applicant must provide before a decision."
        ),
    )
    decider_role = models.CharField(
        _("who decides"),
        max_length=30,
        choices=Role.choices,
        default=Role.CASEWORKER_IMMIGRATION,
    )
    english_letters = models.BooleanField(
        _("letters with an English courtesy translation"), default=False
    )
    extends_title = models.BooleanField(
        _("extends a residence title (§ 81 (4) AufenthG)"),
        default=False,
        help_text=_(
            "An application filed before the current title expires gets the provisional "
            "certificate at once."
        ),
    )
    grants_title_kind = models.CharField(
        _("kind of title a grant writes"), max_length=20, blank=True
    )
    grants_legal_basis = models.CharField(
        _("legal basis of the title granted"), max_length=60, blank=True
    )
    # The reasons a caseworker picks from when deciding (cases.reasons); empty: the defaults.
    reason_templates = models.JSONField(
        _("reason templates"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"key": "income", "outcome": "rejected", "de": "…", "en": "…"}: '
            "reasons a decision of this type may give (outcome: approved, partly_approved, "
            "rejected). Empty: the defaults of the agency."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("case type")
        verbose_name_plural = _("case types")

    def __str__(self) -> str:
        return self.name

    def suspends(self, status: str) -> bool:
        return (status == CaseStatus.WAITING_APPLICANT and self.suspends_for_applicant) or (
            status == CaseStatus.WAITING_AUTHORITY and self.suspends_for_authority
        )


class CaseTransition(models.Model):
    """One allowed move from a status to another for cases of a type."""

    case_type = models.ForeignKey(
        CaseType, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("case type")
    )
    source = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices)
    target = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices)

    class Meta:
        ordering = ["case_type", "pk"]
        verbose_name = _("allowed transition")
        verbose_name_plural = _("allowed transitions")
        constraints = [
            models.UniqueConstraint(
                fields=["case_type", "source", "target"], name="case_transition_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="case_transition_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Team(models.Model):
    """Caseworkers who share a lead; the pool is city-wide, teams are for load and figures."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A caseworker may take cases of this type from the pool."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="case_skills",
        verbose_name=_("caseworker"),
    )
    case_type = models.ForeignKey(
        CaseType, on_delete=models.CASCADE, related_name="skills", verbose_name=_("case type")
    )

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["user", "case_type"], name="case_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.case_type}"


class CaseSequence(models.Model):
    """The last case number given out in a year (locked while the next is taken)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


POOL_CONDITION = Q(assigned_to__isnull=True, status__in=[CaseStatus.RECEIVED, CaseStatus.IN_REVIEW])


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    case_type = models.ForeignKey(
        CaseType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("case type")
    )
    # The applicant's record, once a clerk has identified them; a case opened by post may
    # carry only the name as written until then.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=200)
    # The citizen account an online application came from: the applicant follows the case,
    # its letters and its document requests in "my account".
    citizen = models.ForeignKey(
        "accounts.Citizen",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("citizen account"),
    )
    applicant_email = models.EmailField(_("applicant's e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, default="de")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices)
    received_at = models.DateTimeField(_("received"))
    received_on = models.DateField(_("received on"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("caseworker"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=20, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Only a hash of the applicant's status secret is kept (cases.status_page).
    secret_hash = models.CharField(max_length=200, blank=True)
    # The clock and the urgency as last computed from the events (cases.clock, cases.urgency).
    suspended_days = models.PositiveIntegerField(default=0)
    suspended_since = models.DateField(null=True, blank=True)
    planned_on = models.DateField(_("planned decision"))
    statutory_due_on = models.DateField(_("statutory period ends"), null=True, blank=True)
    urgency = models.IntegerField(_("urgency"), default=0)
    urgency_on = models.DateField(null=True, blank=True)
    # What the score knows of the person (a title's end, a minor): refreshed with it.
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # "Next case" and the pool: the most urgent undecided cases nobody works on, of
            # all types or of one. The key and the type in case_pool let a page of the pool
            # (of the reader's agencies, however deep) be read from the index alone.
            models.Index(
                models.F("urgency").desc(),
                "received_at",
                "id",
                "case_type",
                name="case_pool",
                condition=POOL_CONDITION,
            ),
            models.Index(
                "case_type",
                models.F("urgency").desc(),
                "received_at",
                name="case_pool_type",
                condition=POOL_CONDITION,
            ),
            models.Index(fields=["assigned_to", "status"], name="case_assigned"),
            models.Index(fields=["status", "case_type"], name="case_status_type"),
            models.Index(fields=["case_type", "decided_on"], name="case_decided"),
            models.Index(fields=["person"], name="case_person"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED


class CaseEventKind(models.TextChoices):
    RECEIVED = "received", _("received")
    STATUS_CHANGED = "status_changed", _("status changed")
    ASSIGNED = "assigned", _("assigned")
    RELEASED = "released", _("returned to the pool")
    PERSON_LINKED = "person_linked", _("person identified")
    NOTE = "note", _("note")
    DOCUMENTS_REQUESTED = "documents_requested", _("documents requested")
    DOCUMENTS_RECEIVED = "documents_received", _("documents received")
    REQUEST_OVERDUE = "request_overdue", _("document request overdue")
    FORWARDED = "forwarded", _("forwarded to another authority")
    DECIDED = "decided", _("decided")
    DECISION_CORRECTED = "decision_corrected", _("decision corrected")
    LETTER_ISSUED = "letter_issued", _("letter issued")
    PROVISIONAL_ISSUED = "provisional_issued", _("provisional certificate issued")
    LATE_NOTICE = "late_notice", _("late application noticed")
    PROVISIONAL_EXPIRING = "provisional_expiring", _("provisional certificate expires soon")
    APPOINTMENT_OFFERED = "appointment_offered", _("appointment offered")
    APPOINTMENT_BOOKED = "appointment_booked", _("appointment booked")


class CaseEvent(Event):
    subject_field = "case"
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=CaseEventKind.choices)

    class Meta(Event.Meta):
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]


class CaseDocument(models.Model):
    """A document the case has, or is waiting for: one of its type's required documents (by
    key) or one the caseworker named. Received when `received_at` is set."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    key = models.SlugField(_("document"), max_length=50)
    label = models.CharField(_("name"), max_length=200)
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    # The latest request that asked for it (a document may be asked for again).
    request = models.ForeignKey(
        "DocumentRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="case_document_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class DocumentRequest(models.Model):
    """Documents asked of the applicant, with a deadline and an upload link (only the hash of
    its secret is kept). The clock is suspended while the case waits for the answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="document_requests")
    message = models.TextField(_("message to the applicant"), max_length=2000, blank=True)
    due_on = models.DateField(_("answer by"))
    created_at = models.DateTimeField(_("requested"))
    # The link's token is derived from this nonce and SECRET_KEY (so the reminder and a letter
    # printed again carry it); only its hash is kept for the lookup.
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(answered_at__isnull=True, overdue_at__isnull=True),
                name="document_request_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class CaseFile(models.Model):
    """A file of a case: an upload answering a request (for one of its documents) or one the
    caseworker added (a letter received by post, scanned)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    document = models.ForeignKey(
        CaseDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    # The row goes with its file: the uploads' retention (files.retention) deletes the file
    # once the case's period has run (cases.services.case_files.case_files_keep_until).
    file = models.OneToOneField("files.StoredFile", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added"))

    class Meta:
        ordering = ["case", "added_at", "pk"]
        verbose_name = _("case file")
        verbose_name_plural = _("case files")

    def __str__(self) -> str:
        return f"{self.case_id} {self.file_id}"


class LetterKind(models.TextChoices):
    DECISION = "decision", _("decision")
    PROVISIONAL = "provisional", _("provisional certificate (§ 81 AufenthG)")
    LATE_NOTICE = "late_notice", _("notice on a late application")


class Letter(models.Model):
    """A letter or certificate the case issued: a signed, tagged PDF (stored as a file outside
    the web root), with a public number and, for certificates, a verification code (only its
    hash is kept). Revoked letters show as revoked on verification."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    number = models.CharField(_("number"), max_length=30, unique=True)
    language = models.CharField(_("language"), max_length=2, default="de")
    data = models.JSONField(_("what it says"), default=dict, blank=True)
    pdf = models.OneToOneField(
        "files.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    courtesy_pdf = models.OneToOneField(
        "files.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code_hash = models.CharField(max_length=200, blank=True)
    title_id = models.PositiveBigIntegerField(_("residence title recorded"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=500, blank=True)
    checks = models.PositiveIntegerField(_("times verified"), default=0)

    class Meta:
        ordering = ["case", "issued_at", "pk"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        return self.number


class LetterSequence(models.Model):
    """The last letter number given out in a year for a kind (`BS-2026-000123`), counted up
    under its row lock in a transaction of its own (a failed issue leaves a gap)."""

    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="letter_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind}: {self.last}"


class LetterCheckCount(models.Model):
    """Verifications of letters a day by kind and outcome (people.CertificateCheckOutcome's
    values), without personal data."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    outcome = models.CharField(_("outcome"), max_length=30)
    checks = models.PositiveIntegerField(_("verifications"), default=0)

    class Meta:
        verbose_name = _("letter verification count")
        verbose_name_plural = _("letter verification counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "outcome"], name="letter_check_day_kind_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.outcome}: {self.checks}"


class AppointmentOffer(models.Model):
    """The caseworker asks the applicant to come in (biometrics, handing over the card): a link
    to choose a time within a window at a location offering `service`, held for the case and
    not counted against the public booking limits."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointment_offers")
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    purpose = models.CharField(_("what for"), max_length=200)
    window_from = models.DateField(_("from"))
    window_until = models.DateField(_("until"))
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)  # as DocumentRequest
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("offered"))
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("appointment offer")
        verbose_name_plural = _("appointment offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_until__gte=models.F("window_from")),
                name="appointment_offer_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.window_from}–{self.window_until}"
