"""The catalogue event moves onto the one event base: `action` becomes `kind`, `actor` the
staff member, the summary goes into `data`. Existing rows keep their content."""

from django.db import migrations, models


def to_data(apps, schema_editor):
    CatalogEvent = apps.get_model("catalog", "CatalogEvent")
    for event in CatalogEvent.objects.all():
        event.actor_kind = "staff" if event.actor_user_id else "system"
        event.data = {"summary": event.summary} if event.summary else {}
        event.save(update_fields=["actor_kind", "data"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_catalog_revision")]

    operations = [
        migrations.RenameField(model_name="catalogevent", old_name="action", new_name="kind"),
        migrations.RenameField(model_name="catalogevent", old_name="actor", new_name="actor_user"),
        migrations.AddField(
            model_name="catalogevent",
            name="actor_kind",
            field=models.CharField(default="system", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="catalogevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="catalogevent", name="data", field=models.JSONField(blank=True, default=dict)
        ),
        migrations.RunPython(to_data, migrations.RunPython.noop),
        migrations.RemoveField(model_name="catalogevent", name="summary"),
    ]
