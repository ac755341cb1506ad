"""The one event model: every state change of every domain is a row of that domain's event
table, built on `Event` — when it happened (given by the service, never the clock of the
insert), what (`kind`, from the domain's enum), who (`Actor`) and structured `data`.

A domain declares its table once:

    class TicketEvent(Event):
        subject_field = "ticket"
        ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
        kind = models.CharField(max_length=20, choices=TicketEventKind.choices)

and its services record with `event_record(ticket, kind=..., actor=actor, at=now, data={...})`.
Figures are computed from these rows (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hamburg_service.core.actors import Actor, ActorKind
from hamburg_service.core.db import rows_insert


class Event(models.Model):
    """Abstract base of every event table."""

    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("what"), max_length=30)  # each table narrows it to its enum
    actor_kind = models.CharField(
        _("by"), max_length=10, choices=[(k.value, k.value) for k in ActorKind]
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    actor_name = models.CharField(_("job or e-mail"), max_length=254, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    # The foreign key to the thing the event is about; tables about several kinds of thing
    # (the catalogue's) set `subject_models` and override `subject_columns`.
    subject_field: ClassVar[str] = ""
    subject_models: ClassVar[tuple[type[models.Model], ...]] = ()

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M:%S} {self.actor}"

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind(self.actor_kind), self.actor_user, self.actor_name)

    @classmethod
    def subject_columns(cls, subject: models.Model) -> dict[str, Any]:
        return {cls.subject_field: subject}

    @classmethod
    def kinds(cls) -> frozenset[str]:
        choices = getattr(cls._meta.get_field("kind"), "choices", None) or ()
        return frozenset(value for value, _label in choices)


_tables: dict[type[models.Model], type[Event]] = {}


def event_table(subject_model: type[models.Model]) -> type[Event]:
    """The event table of a kind of subject."""
    if not _tables:
        for model in apps.get_models():
            if issubclass(model, Event):
                subjects = model.subject_models or (
                    model._meta.get_field(model.subject_field).related_model,
                )
                _tables.update({subject: model for subject in subjects if subject is not None})
    try:
        return _tables[subject_model]
    except KeyError:
        raise LookupError(f"No event table records {subject_model.__name__}") from None


def _build(
    subject: models.Model,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    data: dict[str, Any] | None,
    columns: dict[str, Any],
) -> Event:
    table = event_table(type(subject))
    if kind not in table.kinds():
        raise ValueError(f"{kind!r} is not a kind of {table.__name__}")
    if timezone.is_naive(at):
        raise ValueError("An event's time must be aware.")
    return table(
        **table.subject_columns(subject),
        at=at,
        kind=kind,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        data=data or {},
        **columns,
    )


def event_record(
    subject: models.Model,
    *,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
    **columns: Any,
) -> Event:
    """Record that `actor` changed `subject` at `at` (the service's own `now`). `columns` fill
    a table's own fields (a ticket event's counter). Inside the service's transaction."""
    event = _build(subject, kind, actor, at, data, columns)
    rows_insert([event])
    return event


def events_record(
    subjects: Iterable[models.Model],
    *,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
) -> Sequence[Event]:
    """The same event for many subjects of one kind, in one statement per table."""
    events = [_build(subject, kind, actor, at, data, {}) for subject in subjects]
    by_table: dict[type[Event], list[Event]] = {}
    for event in events:
        by_table.setdefault(type(event), []).append(event)
    for table, rows in by_table.items():
        table._default_manager.bulk_create(rows)
    return events
