"""Indexes the searches can rely on without statistics (docs/benchmarks.md, person record):

- the name keys with pattern operators, so that register information's `given_key LIKE
  'ANNA %'` is bounded by the index whatever the database's collation, and so that no search
  walks the names in the order of the collation for an ORDER BY … LIMIT;
- the family and given names' phonetic codes, for a staff search without a date of birth
  ("Meier Torsten" read every Meier, Mayer and Maier: 70,000 of 1.9 million);
- `merged_into` indexed only where set: its foreign key's own index matched every record for
  `merged_into IS NULL`, and a planner without statistics scanned the register through it.

The foreign key's index is dropped by name (an AlterField would copy the whole table on
SQLite); the planner's statistics are refreshed for the new indexes.
"""

from django.db import migrations, models

from hamburg_service.core.db import statistics_refresh

FOREIGN_KEY_INDEX = "people_person_merged_into_id_138bbee4"


def _statistics(apps, schema_editor):
    statistics_refresh(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_contact_email"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_name_key"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="merged_duplicates",
                        to="people.person",
                        verbose_name="merged into",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FOREIGN_KEY_INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{FOREIGN_KEY_INDEX}" ON "people_person" ("merged_into_id")'
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["family_key", "given_key"],
                name="person_name_prefix",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["family_phonetic", "given_phonetic"],
                name="person_phonetic_given",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(merged_into__isnull=False),
                fields=["merged_into"],
                name="person_merged_into",
            ),
        ),
        migrations.RunPython(_statistics, migrations.RunPython.noop, elidable=True),
    ]
