"""Ticket events move onto the one event base; tickets get the facts their figures are read
from (the first call, the time at the counter); a counter holds at most one called ticket.
Existing rows: the first call is the first 'called' event (or the last call), the time at the
counter finished − called as before; a counter with several called tickets keeps the latest
called and the others are parked there."""

from django.db import migrations, models
from django.db.models import Min


def to_data(apps, schema_editor):
    TicketEvent = apps.get_model("visits", "TicketEvent")
    for event in TicketEvent.objects.all():
        event.actor_kind = "staff" if event.actor_user_id else "resident"
        event.data = {"note": event.note} if event.note else {}
        event.save(update_fields=["actor_kind", "data"])
    Ticket = apps.get_model("visits", "Ticket")
    first_calls = dict(
        TicketEvent.objects.filter(kind__in=["called", "picked"])
        .values("ticket_id")
        .annotate(first=Min("at"))
        .values_list("ticket_id", "first")
    )
    for ticket in Ticket.objects.filter(called_at__isnull=False):
        ticket.first_called_at = first_calls.get(ticket.pk, ticket.called_at)
        if ticket.finished_at is not None and ticket.status == "done":
            ticket.handled_seconds = max(
                0, int((ticket.finished_at - ticket.called_at).total_seconds())
            )
        ticket.save(update_fields=["first_called_at", "handled_seconds"])
    called = Ticket.objects.filter(status="called", counter__isnull=False).order_by(
        "counter_id", "-called_at", "-pk"
    )
    kept: set[int] = set()
    for ticket in called:
        if ticket.counter_id in kept:
            ticket.status = "parked"
            ticket.save(update_fields=["status"])
        kept.add(ticket.counter_id)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="ticketevent", old_name="actor", new_name="actor_user"),
        migrations.AddField(
            model_name="ticketevent",
            name="actor_kind",
            field=models.CharField(default="system", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ticketevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="ticketevent", name="data", field=models.JSONField(blank=True, default=dict)
        ),
        migrations.AddField(
            model_name="ticket",
            name="first_called_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first called"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="handled_seconds",
            field=models.PositiveIntegerField(null=True, verbose_name="time at the counter (s)"),
        ),
        migrations.RunPython(to_data, migrations.RunPython.noop),
        migrations.RemoveField(model_name="ticketevent", name="note"),
    ]
