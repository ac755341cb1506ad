"""Staff users, their roles and the locations they work at."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.events import Event


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    CLERK = "clerk", _("Counter clerk")
    CASEWORKER_REGISTRATION = "caseworker_registration", _("Registration caseworker")
    CASEWORKER_IMMIGRATION = "caseworker_immigration", _("Immigration caseworker")
    LOCATION_LEAD = "location_lead", _("Location lead")
    MANAGER = "manager", _("Manager (city-wide)")
    ADMINISTRATOR = "administrator", _("Administrator")
    # The central registration office (Zentrale Meldestelle): information blocks (§ 51 BMG).
    CENTRAL_REGISTRATION = "central_registration", _("Central registration office")
    # The data protection officer: the only reader of the access log (§ 40 BMG).
    DATA_PROTECTION = "data_protection", _("Data protection officer")
    # Leads a team of caseworkers: assigns and reassigns cases, sees the load and the backlog.
    TEAM_LEAD = "team_lead", _("Team lead (cases)")


class User(AbstractUser):
    """A member of staff. Residents do not get accounts here (citizen sign-in comes later)."""

    locations = models.ManyToManyField(
        "catalog.Location",
        blank=True,
        related_name="staff",
        verbose_name=_("locations"),
        help_text=_("The locations this person works at."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @property
    def role_codes(self) -> frozenset[str]:
        # Cached per request object: permission checks run many times on one page.
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class AccessPurpose(models.TextChoices):
    """Why a member of staff read personal data (§40 BMG asks for the purpose of every read)."""

    FRONT_DESK = "front_desk", _("Front desk: today's appointments")
    COUNTER = "counter", _("Counter: the person being served")
    APPOINTMENT_BOOK = "appointment_book", _("Appointment book of a location")
    FIND_FOR_CALLER = "find_for_caller", _("Finding an appointment for a caller")
    APPOINTMENT_DETAILS = "appointment_details", _("Details of an appointment")
    CLOSURE = "closure", _("Appointments hit by a closure, to move them")
    # Reads of the person record (§ 40 BMG): a ticket, an appointment or a case as the
    # reference, or one of the listed reasons.
    PERSON_TICKET = "person_ticket", _("Serving the person at the counter (ticket)")
    PERSON_APPOINTMENT = "person_appointment", _("An appointment of the person")
    PERSON_CASE = "person_case", _("A case of the person")
    PERSON_CORRECTION = "person_correction", _("Correcting the register")
    PERSON_AUTHORITY = "person_authority", _("A request by another authority")
    PERSON_SUBJECT_REQUEST = "person_subject_request", _("The person's own request")
    PERSON_BLOCK = "person_block", _("Information block (§ 51 BMG)")
    REGISTER_INFORMATION = "register_information", _("Register information (§ 44 BMG)")


class DataCategory(models.TextChoices):
    """What kind of personal data a read showed (never the data itself)."""

    NAME = "name", _("name")
    CONTACT = "contact", _("e-mail and phone")
    APPOINTMENT = "appointment", _("appointment: place, time, services")
    HISTORY = "history", _("history of changes")
    BIRTH = "birth", _("date and place of birth")
    ADDRESS = "address", _("addresses")
    NATIONALITY = "nationality", _("nationalities")
    DOCUMENTS = "documents", _("identity documents")
    RESIDENCE_TITLES = "residence_titles", _("residence titles")
    BLOCK = "block", _("information block")
    VISIT = "visit", _("visits: place, day, services")
    CASE = "case", _("cases: kind, status, dates")


class AccessLog(models.Model):
    """A member of staff read personal data: who, whose or which, what kinds, when, why.
    Written only by `accounts.access.access_record`; kept for data-protection checks only."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    subject_type = models.CharField(_("what was read"), max_length=40)
    subject_ref = models.CharField(_("which"), max_length=200)
    location = models.ForeignKey(
        "catalog.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    categories = models.JSONField(_("data categories shown"), default=list)
    purpose = models.CharField(_("purpose"), max_length=40, choices=AccessPurpose.choices)
    case_reference = models.CharField(_("case or appointment reference"), max_length=40, blank=True)
    criteria = models.JSONField(_("search criteria"), null=True, blank=True)
    hits = models.PositiveIntegerField(_("results"), null=True, blank=True)
    actor_roles = models.JSONField(_("roles of the staff member then"), default=list)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.subject_type} {self.subject_ref}"


class AccessLogSubject(models.Model):
    """A person whose data an access-log entry showed (one row per person: a search lists
    several), so that a person can be told who read their data. The person is named by id
    only: the record may be deleted by its retention rule before the log is."""

    log = models.ForeignKey(AccessLog, on_delete=models.CASCADE, related_name="subjects")
    person_id = models.PositiveBigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("person read")
        verbose_name_plural = _("persons read")

    def __str__(self) -> str:
        return f"{self.log_id}: {self.person_id}"


class TrustLevel(models.TextChoices):
    """How sure a sign-in is of who signed in (eIDAS / BundID levels). An e-mail link is
    basic; an OpenID Connect provider says its level (`acr`), mapped by CITIZEN_OIDC_ACR."""

    BASIC = "basic", _("basic")
    SUBSTANTIAL = "substantial", _("substantial")
    HIGH = "high", _("high")

    @staticmethod
    def rank(level: str) -> int:
        return TRUST_RANK.get(level, 0)


TRUST_RANK = {TrustLevel.BASIC.value: 1, TrustLevel.SUBSTANTIAL.value: 2, TrustLevel.HIGH.value: 3}


class PersonLinkSource(models.TextChoices):
    OIDC_HIGH = "oidc_high", _("sign-in with trust level high")
    CLERK = "clerk", _("confirmed by a clerk")


class Citizen(models.Model):
    """A resident's account for the online services (Bürgerkonto). Never a staff user: it
    signs in through its own session key (accounts.citizens), not Django's auth."""

    public_id = models.UUIDField(unique=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    # The e-mail in lower case: one account per address for the e-mail link.
    email_key = models.CharField(max_length=254, unique=True, null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, default="de")
    created_at = models.DateTimeField(_("created"))
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    # The person record, linked only through a verified match (trust level high) or by a clerk.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    person_linked_at = models.DateTimeField(_("person linked"), null=True, blank=True)
    person_linked_by = models.CharField(
        _("person linked through"), max_length=20, choices=PersonLinkSource.choices, blank=True
    )

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return str(self.public_id)


class CitizenIdentity(models.Model):
    """An OpenID Connect identity of a citizen account: the provider (issuer) and its subject."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    trust_level = models.CharField(max_length=12, choices=TrustLevel.choices)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sign-in identity")
        verbose_name_plural = _("sign-in identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="citizen_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class SignInLink(models.Model):
    """A single-use, short-lived sign-in link sent by e-mail. Only the token's hash is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    next_path = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"], name="signin_link_email")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class CitizenEventKind(models.TextChoices):
    CREATED = "created", _("account created")
    SIGNED_IN = "signed_in", _("signed in")
    SIGNED_OUT = "signed_out", _("signed out")
    PERSON_LINKED = "person_linked", _("person record linked")
    PERSON_UNLINKED = "person_unlinked", _("person record unlinked")


class CitizenEvent(Event):
    subject_field = "citizen"
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=CitizenEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("citizen account event")
        verbose_name_plural = _("citizen account events")
