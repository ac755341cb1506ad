"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model


@contextmanager
def write_transaction() -> Iterator[None]:
    """`transaction.atomic()`, with the writers queued in line on SQLite.

    SQLite lets one writer in at a time and the others poll with growing sleeps (1, 2, 5,
    10 … ms), so under load the lock often lies free while every waiter sleeps. A blocking
    `flock` on a file named after the database (in the temporary directory) queues the busy
    write paths (booking, moving, cancelling) and wakes the next writer the moment the
    previous one is done. Other writers (sessions, the task worker) take SQLite's own lock as
    before: correctness never depends on the queue, only the waiting does. Inside an outer
    transaction, which may hold SQLite's lock already, the queue is skipped so that the two
    locks are never taken in both orders.
    """
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.in_atomic_block or "memory" in name:
        with transaction.atomic():
            yield
        return
    with _queue_path(name).open("a") as queue:
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            with transaction.atomic():
                yield
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)


def _queue_path(database: str) -> Path:
    """One lock file per database file, outside the project (test databases come and go)."""
    digest = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"hamburg-service-{digest}.write-queue"


@functools.cache
def _insert_statement(model: type[Model], vendor: str, rows: int) -> tuple[str, list[Field]]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(model._meta.db_table)
    values = ", ".join([row] * rows)
    sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 - names from the model
    if rows == 1:  # multi-row RETURNING need not keep the order of the rows
        sql += f" RETURNING {quote(str(model._meta.pk.column if model._meta.pk else 'id'))}"
    return sql, fields


def rows_insert(objs: Sequence[Model]) -> None:
    """Insert new rows of one model in one statement, as `save()` and `bulk_create()` do,
    without their per-call SQL compilation (the statement is built once per model, database
    and row count) and without signals (none are used); a single row gets its key set. For
    the few inserts of the busiest write path, the booking."""
    if not objs:
        return
    sql, fields = _insert_statement(type(objs[0]), connection.vendor, len(objs))
    params: list[Any] = []
    for obj in objs:
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        key = cursor.fetchone()[0] if len(objs) == 1 else None
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    if key is not None:
        objs[0].pk = key


def statistics_refresh() -> None:
    """Let the query planner know the tables' sizes after a bulk load or now and then. SQLite
    keeps no statistics of its own: without them it picks an index that matches every row (the
    person search read all 1.9 million records, bench/people.py); PostgreSQL's autovacuum
    catches up too late after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # a sample: seconds, not minutes
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
