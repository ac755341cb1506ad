"""The catalogue revision row and the triggers that change it on every catalogue write.

The triggers set a random number rather than adding one: a test database flushed and
filled again must never repeat a number a process has already cached data under.
"""

from django.db import migrations, models

# Every catalogue table whose rows shape opening hours or availability (not the event log).
WATCHED = [
    "catalog_district",
    "catalog_location",
    "catalog_service",
    "catalog_service_locations",
    "catalog_service_combinable_with",
    "catalog_weeklyschedule",
    "catalog_schedulerule",
    "catalog_counter",
    "catalog_counter_services",
    "catalog_closure",
    "catalog_closure_counters",
]

SQLITE_BUMP = (
    "INSERT INTO catalog_catalogrevision (id, number) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET number = random();"
)
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_revision_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO catalog_catalogrevision (id, number)
    VALUES (1, (random() * 4503599627370496)::bigint)
    ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def triggers_create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO catalog_catalogrevision (id, number) VALUES (1, 1)")
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in WATCHED:
                cursor.execute(
                    f"CREATE TRIGGER {table}_revision AFTER INSERT OR UPDATE OR DELETE "
                    f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                    "EXECUTE FUNCTION catalog_revision_bump()"
                )
        elif connection.vendor == "sqlite":
            for table in WATCHED:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {table}_revision_{event.lower()} AFTER {event} "
                        f"ON {table} BEGIN {SQLITE_BUMP} END"
                    )
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"No catalogue revision triggers for {connection.vendor}")


def triggers_drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in WATCHED:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_revision ON {table}")
            else:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_revision_{event}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS catalog_revision_bump()")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="CatalogRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "catalogue revision",
                "verbose_name_plural": "catalogue revisions",
            },
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
