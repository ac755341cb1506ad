"""Retention of the on-site queue: TICKET_PERSONAL_DATA_DAYS after a visit, the ticket's
e-mail for the call notice and its link to the person's record are blanked (the ticket and its
events stay for the waiting and handling times, without whom)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from hamburg_service.catalog import hours
from hamburg_service.core.actors import ActorKind
from hamburg_service.core.retention import retention_report
from hamburg_service.visits.models import Ticket, TicketEvent

RULE = "visits.personal_data"


def tickets_anonymise(*, now: dt.datetime) -> int:
    before = now - dt.timedelta(days=settings.TICKET_PERSONAL_DATA_DAYS)
    day = before.astimezone(hours.BERLIN).date()
    with transaction.atomic():
        old = Ticket.objects.filter(day__lt=day).filter(~Q(email="") | Q(person__isnull=False))
        ids = list(old.values_list("pk", flat=True))
        TicketEvent.objects.filter(ticket_id__in=ids, actor_kind=ActorKind.RESIDENT).update(
            actor_name=""
        )
        count = Ticket.objects.filter(pk__in=ids).update(email="", person=None)
        return retention_report(rule=RULE, before=before, count=count, at=now)
