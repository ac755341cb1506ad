"""The access log becomes structured (§40 BMG): subject, data categories, purpose code, case
reference, search criteria and hits. Existing rows keep their content."""

import django.db.models.deletion
from django.db import migrations, models

SUBJECTS = {
    "appointment list": "appointment_list",
    "appointment": "appointment",
    "appointment search": "appointment_search",
}
PURPOSES = {
    "front desk": "front_desk",
    "appointment book": "appointment_book",
    "find appointment for a caller": "find_for_caller",
    "appointment details": "appointment_details",
    "counter workstation": "counter",
}


def structure(apps, schema_editor):
    AccessLog = apps.get_model("accounts", "AccessLog")
    for row in AccessLog.objects.all():
        row.subject_type = SUBJECTS.get(row.what, row.what[:40])
        row.subject_ref = row.scope
        row.purpose = PURPOSES.get(row.purpose, "appointment_details")
        row.categories = ["name", "contact"]
        row.save(update_fields=["subject_type", "subject_ref", "purpose", "categories"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("catalog", "0002_catalog_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="subject_type",
            field=models.CharField(default="", max_length=40, verbose_name="what was read"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="subject_ref",
            field=models.CharField(default="", max_length=200, verbose_name="which"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="location",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="catalog.location",
                verbose_name="location",
            ),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="categories",
            field=models.JSONField(default=list, verbose_name="data categories shown"),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="case_reference",
            field=models.CharField(
                blank=True, max_length=40, verbose_name="case or appointment reference"
            ),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="criteria",
            field=models.JSONField(blank=True, null=True, verbose_name="search criteria"),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="hits",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="results"),
        ),
        migrations.RunPython(structure, migrations.RunPython.noop),
        migrations.RemoveField(model_name="accesslog", name="what"),
        migrations.RemoveField(model_name="accesslog", name="scope"),
        migrations.AlterField(
            model_name="accesslog",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("front_desk", "Front desk: today's appointments"),
                    ("counter", "Counter: the person being served"),
                    ("appointment_book", "Appointment book of a location"),
                    ("find_for_caller", "Finding an appointment for a caller"),
                    ("appointment_details", "Details of an appointment"),
                ],
                max_length=40,
                verbose_name="purpose",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(db_index=True, verbose_name="at"),
        ),
    ]
