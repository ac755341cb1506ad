"""On-site visits: tickets (Wartenummern) for walk-ins and checked-in appointments, and every
step of calling and serving them as an event, so waiting and handling times come from facts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hamburg_service.appointments.models import Appointment
from hamburg_service.catalog.models import Counter, Location, Service
from hamburg_service.core.events import Event


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    PARKED = "parked", _("Parked")
    DONE = "done", _("Finished")
    NO_SHOW = "no_show", _("Did not come when called")
    CLOSED = "closed", _("Closed at end of day")


OPEN = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.PARKED)


class Outcome(models.TextChoices):
    SERVED = "served", _("Served")
    PARTLY = "partly", _("Partly served")
    NOT_POSSIBLE = "not_possible", _("Not possible")


class Ticket(models.Model):
    """Wartenummer: one person's visit at one location on one day."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("day"))
    number = models.CharField(_("number"), max_length=8)
    services = models.ManyToManyField(Service, through="TicketService", related_name="+")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    calls = models.PositiveSmallIntegerField(_("times called"), default=0)
    arrived_at = models.DateTimeField(_("arrived"))
    # Where the ticket stands in the queue: arrival for walk-ins, the appointment's time for a
    # checked-in appointment (or arrival when it came too late).
    due_at = models.DateTimeField(_("due"))
    estimate_minutes = models.PositiveIntegerField(_("waiting estimate at issue"), null=True)
    # The latest call, shown on the display (a recall, resume or transfer moves it).
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    # Facts for the figures, written once: the first call ends the wait; the time spent at
    # counters (from the ticket's events, without parked stretches) is set when it finishes.
    first_called_at = models.DateTimeField(_("first called"), null=True, blank=True)
    handled_seconds = models.PositiveIntegerField(_("time at the counter (s)"), null=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("reason"), max_length=300, blank=True)
    # The person's record, once the clerk has identified them (registration at the counter).
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("e-mail for a call notice"), blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    mobile_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(max_length=5, default="de")

    class Meta:
        ordering = ["day", "arrived_at", "pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "day", "number"], name="ticket_number_once"
            ),
            # A counter serves one person at a time: finish, park or transfer first.
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status="called"),
                name="one_called_ticket_per_counter",
            ),
        ]
        indexes = [
            models.Index(fields=["location", "day", "status", "due_at"]),
            models.Index(fields=["location", "called_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.day}"


class TicketService(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "service"], name="ticket_service_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.service_id}"


class TicketSequence(models.Model):
    """The last number given out per location, day and prefix; the row issuing locks."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "day", "prefix"], name="one_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.day} {self.prefix}{self.last}"


class EventKind(models.TextChoices):
    ISSUED = "issued", _("ticket issued")
    CHECKED_IN = "checked_in", _("checked in")
    CALLED = "called", _("called")
    RECALLED = "recalled", _("called again")
    CALLED_OUT_OF_ORDER = "picked", _("called out of order")
    NO_SHOW = "no_show", _("did not come")
    PARKED = "parked", _("parked")
    RESUMED = "resumed", _("resumed")
    TRANSFERRED = "transferred", _("transferred")
    SERVICE_ADDED = "added", _("service added")
    FINISHED = "finished", _("finished")
    CLOSED = "closed", _("closed at end of day")
    NOTICE_ASKED = "notice", _("asked for a call notice")
    PERSON_LINKED = "person", _("linked to the person's record")


class TicketEvent(Event):
    """Every step of a visit with time, counter and actor: what waiting and handling times are
    computed from."""

    subject_field = "ticket"
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%H:%M:%S}"


class CounterSession(models.Model):
    """A clerk signed in at a counter (Arbeitsplatz); open while ended_at is empty."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["counter"], condition=Q(ended_at__isnull=True), name="one_open_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.user_id} {self.started_at:%H:%M}"


class KioskDevice(models.Model):
    """A ticket machine of a location. Only a request carrying the device's key (kept by the
    device after set-up; only its hash is stored) may draw tickets or check in there, so a
    script elsewhere cannot use up the day's walk-in tickets. Set up and revoked by the
    location lead; the row keeps who did both and when."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="kiosks")
    name = models.CharField(_("name"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("set up"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["location_id", "name", "pk"]
        verbose_name = _("ticket machine")
        verbose_name_plural = _("ticket machines")

    def __str__(self) -> str:
        return f"{self.location_id} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
