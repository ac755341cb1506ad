"""The appointment book (Terminbuch).

An appointment occupies one counter for a run of grid units (APPOINTMENT_SLOT_MINUTES each).
Each occupied unit is a SeatClaim row, unique per counter and start, so the database itself
refuses a second appointment on one seat of one slot, on SQLite and PostgreSQL alike. A
DayLedger row per location and day counts the booked units for the capacity shares and is the
row a booking locks.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from hamburg_service.catalog.hours import BERLIN
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.events import Event


class Status(models.TextChoices):
    HELD = "held", _("Held, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired (not confirmed)")
    NO_SHOW = "no_show", _("Did not attend")
    COMPLETED = "completed", _("Completed")


ACTIVE = (Status.HELD, Status.CONFIRMED)


class Channel(models.TextChoices):
    PUBLIC = "public", _("Online by the resident")
    STAFF = "staff", _("By staff for a caller")
    # Chosen by the applicant from a caseworker's offer (cases.AppointmentOffer): confirmed at
    # once, free of the per-address limits and not counted towards them, may use the staff
    # share of the capacity.
    CASE = "case", _("For a case, chosen by the applicant")


class Appointment(models.Model):
    """Termin."""

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("location")
    )
    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("counter")
    )
    services = models.ManyToManyField(
        Service,
        through="AppointmentService",
        related_name="appointments",
        verbose_name=_("services"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    units = models.PositiveSmallIntegerField(_("grid units"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=150)
    # Empty only for a caller booked by staff without an address (by phone or no contact).
    email = models.EmailField(_("e-mail"), blank=True)
    email_normalised = models.CharField(max_length=254, db_index=True, editable=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, default="de")
    # The person's record, once a clerk has identified them at the counter (a booking alone
    # never creates or finds a person).
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The manage link's token is derived from this nonce and SECRET_KEY (so reminders can carry
    # the link again); only its hash is stored for the lookup.
    manage_nonce = models.CharField(max_length=32, blank=True, editable=False)
    manage_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    closure_notified_at = models.DateTimeField(_("told about a closure"), null=True, blank=True)
    # A cancelled appointment keeps its seats until then, offered only to the waitlist.
    release_at = models.DateTimeField(_("seats released"), null=True, blank=True)
    confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    hold_expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)
    # When the owner of the address confirmed it (at once for staff bookings): only confirmed
    # bookings count against the per-address limits.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["location", "start"]),
            models.Index(fields=["status", "hold_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class AppointmentService(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "service"], name="appointment_service_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id}:{self.service_id}"


class SeatClaim(models.Model):
    """One grid unit of one counter taken by an active appointment."""

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="claims")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["counter", "start"], name="one_appointment_per_seat"),
        ]
        indexes = [models.Index(fields=["location", "start"])]

    def __str__(self) -> str:
        return f"{self.counter_id}@{self.start:%Y-%m-%d %H:%M}"


class CounterDay(models.Model):
    """The taken grid units of one counter on one day as a bit mask (hex): what the free-time
    search reads instead of every seat. Kept equal to the SeatClaims under the day's ledger
    lock; `manage.py appointments_rebuild_masks` recomputes it from them."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    taken = models.CharField(max_length=80, default="0")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["counter", "date"], name="one_mask_per_counter_day"),
        ]
        indexes = [models.Index(fields=["location", "date"])]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.date}: {self.taken}"


class Booker(models.Model):
    """One person who books, known by normalised e-mail; locked while they book, so the
    per-person limits hold under concurrency."""

    email_normalised = models.CharField(max_length=254, unique=True)

    def __str__(self) -> str:
        return self.email_normalised


class DayLedger(models.Model):
    """Booked grid units of one location on one day; the row a booking locks."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    booked_units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "date"], name="one_ledger_per_location_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.date}: {self.booked_units}"


class EventKind(models.TextChoices):
    HELD = "held", _("held")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")
    MOVED = "moved", _("moved")
    EXPIRED = "expired", _("expired")
    NO_SHOW = "no_show", _("did not attend")
    COMPLETED = "completed", _("served")
    REMINDED = "reminded", _("reminder sent")
    KEPT = "kept", _("still needed")
    CLOSURE = "closure", _("told about a closure")
    PERSON_LINKED = "person", _("linked to the person's record")


class AppointmentEvent(Event):
    """Every state change of an appointment, with who and when."""

    subject_field = "appointment"
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        """The event's details in a line, for the staff history."""
        parts = []
        if "from" in self.data and "to" in self.data:
            moved = [parse_datetime(str(self.data[key])) for key in ("from", "to")]
            parts.append(" → ".join(f"{m.astimezone(BERLIN):%d.%m.%Y %H:%M}" for m in moved if m))
        parts += [str(self.data[key]) for key in ("reason", "note") if self.data.get(key)]
        return ": ".join(parts)


class WaitlistStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the e-mail address to be confirmed")
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    LAPSED = "lapsed", _("Offer not taken")
    LEFT = "left", _("Left the waitlist")


class WaitlistEntry(models.Model):
    """Warteliste: someone waiting for a time for some services, in an area and a period.

    Freed or new capacity is offered to the person waiting longest, held for them for a while.
    """

    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.PENDING
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    email_normalised = models.CharField(max_length=254, db_index=True, editable=False)
    language = models.CharField(_("language"), max_length=5, default="de")
    services = models.ManyToManyField(Service, related_name="+", verbose_name=_("services"))
    locations = models.ManyToManyField(
        Location,
        related_name="+",
        blank=True,
        verbose_name=_("locations"),
        help_text=_("Empty: any location offering the services."),
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("until"))
    leave_nonce = models.CharField(max_length=32, editable=False)
    leave_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    offer = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_entry"
    )
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    # Only an entry whose address's owner confirmed it is offered times.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="waitlist_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.status} {self.date_from}–{self.date_to}"


class WaitlistEventKind(models.TextChoices):
    JOINED = "joined", _("joined the waitlist")
    CONFIRMED = "confirmed", _("confirmed the e-mail address")
    OFFERED = "offered", _("offered a time")
    BOOKED = "booked", _("confirmed the offered time")
    LAPSED = "lapsed", _("offer or period lapsed")
    LEFT = "left", _("left the waitlist")


class WaitlistEvent(Event):
    """Every state change of a waitlist entry, with who and when."""

    subject_field = "entry"
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=10, choices=WaitlistEventKind.choices)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("waitlist event")
        verbose_name_plural = _("waitlist events")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
