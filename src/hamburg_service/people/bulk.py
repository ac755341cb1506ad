"""Fast inserts for the import and the generator: rows as tuples, many rows per statement,
primary keys reserved up front (so children can name their person without reading ids back).
No per-row ORM save, no signals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import (
    DateField,
    DateTimeField,
    Field,
    JSONField,
    Max,
    Model,
)

ROWS_PER_STATEMENT = 500


@cache
def columns_of(model: type[Model]) -> tuple[str, ...]:
    """The attribute names (`person_id`) of the model's columns, primary key first."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def next_id(model: type[Model]) -> int:
    return int(model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _sqlite_datetime(value: dt.datetime) -> str:
    # What Django's SQLite backend stores: UTC, without zone, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _adapter(field: Field) -> Callable[[Any], Any] | None:
    """How a value of `field` goes to the database driver; None where as it is."""
    if isinstance(field, JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if connection.vendor != "sqlite":
        return None  # the driver (psycopg) takes dates and aware times as they are
    if isinstance(field, DateTimeField):
        return _sqlite_datetime
    if isinstance(field, DateField):
        return str
    return None


def ids_reserve(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys for `model`, inside the caller's transaction. PostgreSQL: from
    the table's own sequence (so services inserting at the same time never collide); SQLite:
    after the largest key (its writers are serialised by the transaction)."""
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    first = next_id(model)
    return list(range(first, first + count))


def rows_insert_many(model: type[Model], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in the order of `columns_of(model)`) in statements of up to
    ROWS_PER_STATEMENT rows."""
    if not rows:
        return
    names = columns_of(model)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters = [_adapter(fields[name]) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_sql = ", ".join(quote(str(fields[name].column)) for name in names)
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    with connection.cursor() as wrapper:
        # The driver's cursor itself: no query logging (DEBUG) of statements this large.
        cursor = getattr(wrapper, "cursor", wrapper)
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERT
            with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            v if a is None or v is None else a(v)
                            for a, v in zip(adapters, row, strict=True)
                        ]
                    )
            return
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            sql = f"INSERT INTO {table} ({column_sql}) VALUES {', '.join([one] * len(chunk))}"  # noqa: S608 - names from the model
            params = [
                value if adapt is None or value is None else adapt(value)
                for row in chunk
                for adapt, value in zip(adapters, row, strict=True)
            ]
            cursor.execute(sql, params)
