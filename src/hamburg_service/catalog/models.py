"""The service catalogue: where Hamburg Service is, what it offers and when it is open.

Workflows live in services.py; this module only holds data and what the database can enforce.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hamburg_service.catalog.i18n import Translated
from hamburg_service.core.dates import DATE_RANGE
from hamburg_service.core.events import Event


class Agency(models.TextChoices):
    """Which side of the merged organisation is responsible for a service."""

    RESIDENTS = "residents", _("Residents' affairs")
    IMMIGRATION = "immigration", _("Immigration")


class LocationKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents' service centre")  # Kundenzentrum
    IMMIGRATION = "immigration", _("Immigration office")  # Ausländerdienststelle
    WELCOME = "welcome", _("Welcome Center")  # Hamburg Welcome Center


# Which agencies' services a location of each kind may offer.
KIND_AGENCIES: dict[str, frozenset[str]] = {
    LocationKind.RESIDENTS: frozenset({Agency.RESIDENTS}),
    LocationKind.IMMIGRATION: frozenset({Agency.IMMIGRATION}),
    LocationKind.WELCOME: frozenset({Agency.RESIDENTS, Agency.IMMIGRATION}),
}


class Channel(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    BOTH = "both", _("On site and online")


class Access(models.TextChoices):
    """How a person is served on site."""

    APPOINTMENT = "appointment", _("Appointment required")
    WALK_IN = "walk_in", _("Walk-in only")
    BOTH = "both", _("Appointment or walk-in")


class District(Translated, models.Model):
    """Bezirk."""

    slug = models.SlugField(unique=True)
    name_de = models.CharField(_("name (German)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Location(Translated, models.Model):
    """A place where people are served: Kundenzentrum, Ausländerdienststelle or Welcome Center."""

    slug = models.SlugField(unique=True)
    name_de = models.CharField(_("name (German)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=LocationKind.choices)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="locations", verbose_name=_("district")
    )
    street = models.CharField(_("street and number"), max_length=150)
    postcode = models.CharField(
        _("postcode"), max_length=5, validators=[RegexValidator(r"^\d{5}$")]
    )
    city = models.CharField(_("city"), max_length=80, default="Hamburg")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    disabled_parking = models.BooleanField(_("disabled parking nearby"), default=False)
    accessibility_de = models.TextField(_("accessibility notes (German)"), blank=True)
    accessibility_en = models.TextField(_("accessibility notes (English)"), blank=True)
    transport_de = models.TextField(_("public transport (German)"), blank=True)
    transport_en = models.TextField(_("public transport (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_in_range",
                violation_error_message=_("Coordinates are out of range."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def accessibility_notes(self) -> str:
        return self.t("accessibility")

    @property
    def transport(self) -> str:
        return self.t("transport")


class Service(Translated, models.Model):
    """Leistung: something a person can ask Hamburg Service for."""

    slug = models.SlugField(unique=True)
    name_de = models.CharField(_("name (German)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    summary_de = models.TextField(_("description (German)"), blank=True)
    summary_en = models.TextField(_("description (English)"), blank=True)
    keywords_de = models.CharField(
        _("search words (German)"),
        max_length=300,
        blank=True,
        help_text=_("Other words people use for this service, separated by commas."),
    )
    keywords_en = models.CharField(_("search words (English)"), max_length=300, blank=True)
    leika_key = models.CharField(
        _("LeiKa key"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A LeiKa key has exactly 14 digits."))],
    )
    agency = models.CharField(_("agency"), max_length=20, choices=Agency.choices)
    handling_minutes = models.PositiveSmallIntegerField(
        _("handling time at the counter (minutes)"),
        help_text=_("Used to size appointment slots and to estimate waiting times."),
    )
    documents_de = models.TextField(
        _("required documents (German)"), blank=True, help_text=_("One document per line.")
    )
    documents_en = models.TextField(
        _("required documents (English)"), blank=True, help_text=_("One document per line.")
    )
    fee_cents = models.PositiveIntegerField(_("fee in cents"), null=True, blank=True)
    fee_note_de = models.CharField(_("fee note (German)"), max_length=200, blank=True)
    fee_note_en = models.CharField(_("fee note (English)"), max_length=200, blank=True)
    channel = models.CharField(_("channels"), max_length=10, choices=Channel.choices)
    access = models.CharField(_("on-site access"), max_length=12, choices=Access.choices)
    locations = models.ManyToManyField(
        Location, related_name="services", blank=True, verbose_name=_("offered at")
    )
    combinable_with = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("may be combined in one visit with")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=Q(handling_minutes__gte=1) & Q(handling_minutes__lte=480),
                name="service_handling_minutes_range",
                violation_error_message=_("Handling time must be 1 to 480 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def summary(self) -> str:
        return self.t("summary")

    @property
    def fee_note(self) -> str:
        return self.t("fee_note")

    @property
    def fee_euros(self) -> str | None:
        """The fee in euros, formatted for the active language; None when unknown."""
        if self.fee_cents is None:
            return None
        amount = number_format(Decimal(self.fee_cents) / 100, 2, force_grouping=True)
        # "€96.00" in English, "96,00 €" in German: as each language writes it.
        return f"€{amount}" if (get_language() or "").startswith("en") else f"{amount} €"

    @property
    def documents(self) -> list[str]:
        return [line.strip() for line in self.t("documents").splitlines() if line.strip()]

    @property
    def accepts_walk_in(self) -> bool:
        return self.access in (Access.WALK_IN, Access.BOTH)

    @property
    def bookable(self) -> bool:
        return self.access in (Access.APPOINTMENT, Access.BOTH)

    @property
    def on_site(self) -> bool:
        return self.channel in (Channel.ON_SITE, Channel.BOTH)

    @property
    def online(self) -> bool:
        return self.channel in (Channel.ONLINE, Channel.BOTH)


class Purpose(models.TextChoices):
    OPENING = "opening", _("Opening hours")
    BOOKING = "booking", _("Public booking hours")


class WeeklySchedule(models.Model):
    """A set of weekly opening (or booking) rules valid over a period.

    Where validity periods overlap, the schedule that started last wins for the overlap: a
    summer timetable laid over the standard one, or a new standard starting next year, need no
    edits to the old one. Two schedules of one location and purpose may not start the same day.
    """

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("location")
    )
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.OPENING
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), validators=DATE_RANGE)
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no end."),
        validators=DATE_RANGE,
    )

    class Meta:
        ordering = ["location_id", "purpose", "valid_from"]
        verbose_name = _("weekly schedule")
        verbose_name_plural = _("weekly schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "purpose", "valid_from"], name="schedule_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="schedule_ends_after_start",
                violation_error_message=_("The end of the validity period lies before its start."),
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.location} · {self.get_purpose_display()} · {self.valid_from}–{until}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ScheduleRule(models.Model):
    """One opening interval on one weekday, in local (Europe/Berlin) wall-clock time."""

    schedule = models.ForeignKey(
        WeeklySchedule, on_delete=models.CASCADE, related_name="rules", verbose_name=_("schedule")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening rule")
        verbose_name_plural = _("opening rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")),
                name="rule_closes_after_opening",
                violation_error_message=_("Closing time must be after opening time."),
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="rule_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Counter(models.Model):
    """Schalter / Arbeitsplatz: a workstation and the services it can serve."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="counters", verbose_name=_("location")
    )
    name = models.CharField(_("name"), max_length=40, help_text=_("As shown on the call display."))
    services = models.ManyToManyField(
        Service, related_name="counters", blank=True, verbose_name=_("can serve")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        # "Platz 2" before "Platz 10": shorter names first, then by letter (natural order for
        # names that share a prefix and differ in their number, as counters' names do).
        ordering = ["location_id", Length("name"), "name"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="counter_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.location} · {self.name}"


class Closure(Translated, models.Model):
    """A day or a range of days (optionally only some hours) when a location or some counters
    are closed."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="closures", verbose_name=_("location")
    )
    start_date = models.DateField(_("first day"), validators=DATE_RANGE)
    end_date = models.DateField(_("last day"), validators=DATE_RANGE)
    start_time = models.TimeField(
        _("from"), null=True, blank=True, help_text=_("Leave both times empty for whole days.")
    )
    end_time = models.TimeField(_("until"), null=True, blank=True)
    counters = models.ManyToManyField(
        Counter,
        blank=True,
        related_name="closures",
        verbose_name=_("only these counters"),
        help_text=_("Leave empty to close the whole location."),
    )
    reason_de = models.CharField(_("reason (German)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["location_id", "start_date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="closure_ends_after_start",
                violation_error_message=_("The last day lies before the first day."),
            ),
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | (
                    Q(start_time__isnull=False)
                    & Q(end_time__isnull=False)
                    & Q(end_time__gt=models.F("start_time"))
                ),
                name="closure_times_both_or_none",
                violation_error_message=_("Give both times (end after start), or none."),
            ),
        ]
        indexes = [models.Index(fields=["location", "end_date"])]

    def __str__(self) -> str:
        return f"{self.location} · {self.start_date}–{self.end_date}"

    @property
    def reason(self) -> str:
        return self.t("reason")


class CatalogEventKind(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    DELETED = "deleted", _("deleted")
    SCHEDULE_CREATED = "schedule_created", _("timetable added")
    SCHEDULE_DELETED = "schedule_deleted", _("timetable removed")
    CLOSURE_CREATED = "closure_created", _("closure added")
    CLOSURE_DELETED = "closure_deleted", _("closure removed")
    COUNTER_SKILLS_SET = "counter_skills_set", _("counter skills set")
    SERVICE_LOCATIONS_SET = "service_locations_set", _("locations of a service set")


class CatalogEvent(Event):
    """Who changed what in the catalogue, and when (catalog.services and the admin)."""

    subject_models = (District, Location, Service, WeeklySchedule, Counter, Closure)
    kind = models.CharField(_("what"), max_length=30, choices=CatalogEventKind.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.PositiveBigIntegerField(_("object id"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("catalogue event")
        verbose_name_plural = _("catalogue events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.object_type} #{self.object_id}"

    @classmethod
    def subject_columns(cls, subject: models.Model) -> dict[str, object]:
        return {"object_type": subject._meta.model_name, "object_id": subject.pk}


class CatalogRevision(models.Model):
    """One row whose number changes with every write to a catalogue table.

    Database triggers (migration 0002) set it, so every write path counts — admin, services,
    the demo loader, bulk ORM calls and raw SQL alike. Processes key their caches of
    catalogue-derived data (opening grids, skilled counters) by it (`catalog.revision`).
    """

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("catalogue revision")
        verbose_name_plural = _("catalogue revisions")

    def __str__(self) -> str:
        return str(self.number)
