"""Appointment and waitlist events move onto the one event base (explicit time, actor kind,
structured data); appointments remember when their owner confirmed them. Existing rows keep
their content: an event with a staff member was by staff, expiries, reminders and closure
notices by the scheduler, everything else by the resident."""

from django.db import migrations, models
from django.db.models import Min

SYSTEM_KINDS = {"expired", "reminded", "closure"}
WAITLIST_KINDS = {"waiting": "joined"}


def to_data(apps, schema_editor):
    AppointmentEvent = apps.get_model("appointments", "AppointmentEvent")
    for event in AppointmentEvent.objects.all():
        if event.actor_user_id:
            event.actor_kind = "staff"
        elif event.kind in SYSTEM_KINDS:
            event.actor_kind = "system"
        else:
            event.actor_kind = "resident"
        event.data = {"note": event.note} if event.note else {}
        event.save(update_fields=["actor_kind", "data"])
    WaitlistEvent = apps.get_model("appointments", "WaitlistEvent")
    for event in WaitlistEvent.objects.all():
        event.kind = WAITLIST_KINDS.get(event.kind, event.kind)
        event.actor_kind = "resident" if event.kind in {"joined", "left"} else "system"
        event.data = {"note": event.note} if event.note else {}
        event.save(update_fields=["kind", "actor_kind", "data"])
    # Confirmed once: whatever its status now, if it was ever confirmed (or booked by staff).
    Appointment = apps.get_model("appointments", "Appointment")
    confirmed = dict(
        AppointmentEvent.objects.filter(kind="confirmed")
        .values("appointment_id")
        .annotate(first=Min("at"))
        .values_list("appointment_id", "first")
    )
    for appointment in Appointment.objects.filter(confirmed_at__isnull=True):
        at = confirmed.get(appointment.pk)
        if at is None and appointment.status in {"confirmed", "completed", "no_show"}:
            at = appointment.created_at
        if at is not None:
            appointment.confirmed_at = at
            appointment.save(update_fields=["confirmed_at"])


class Migration(migrations.Migration):
    dependencies = [("appointments", "0005_waitlist_events")]

    operations = [
        migrations.RenameField(
            model_name="appointmentevent", old_name="actor", new_name="actor_user"
        ),
        migrations.AddField(
            model_name="appointmentevent",
            name="actor_kind",
            field=models.CharField(default="system", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointmentevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="appointmentevent",
            name="data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RenameField(model_name="waitlistevent", old_name="status", new_name="kind"),
        migrations.AddField(
            model_name="waitlistevent",
            name="actor_kind",
            field=models.CharField(default="system", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="waitlistevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="waitlistevent",
            name="actor_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="accounts.user",
            ),
        ),
        migrations.AddField(
            model_name="waitlistevent", name="data", field=models.JSONField(blank=True, default=dict)
        ),
        migrations.AddField(
            model_name="appointment",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed"),
        ),
        migrations.RunPython(to_data, migrations.RunPython.noop),
        migrations.RemoveField(model_name="appointmentevent", name="note"),
        migrations.RemoveField(model_name="waitlistevent", name="note"),
    ]
