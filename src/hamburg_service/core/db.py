"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Lookup, Model, QuerySet

M = TypeVar("M", bound=Model)


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


class WordPrefix(Lookup[str]):
    """`WordPrefix(F("given_key"), "ANNA")`: the words of the column begin with these words —
    "ANNA" or "ANNA MARIA", never "ANNABELL" — for search keys of capitals, digits and single
    spaces. On PostgreSQL a LIKE, which an index with pattern operators bounds whatever the
    collation; on SQLite a range, since its LIKE ignores case and no ordinary index serves it."""

    lookup_name = "word_prefix"

    def _words(self, compiler: Any, connection: Any) -> str:
        _sql, params = self.process_rhs(compiler, connection)
        [words] = params  # a plain string, not a column
        return str(words)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        words = self._words(compiler, connection)
        pattern = connection.ops.prep_for_like_query(words) + " %"
        return f"({lhs} = %s OR {lhs} LIKE %s)", [*lhs_params, words, *lhs_params, pattern]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        words = self._words(compiler, connection)
        # "!" follows " ": every key "ANNA …" lies between "ANNA " and "ANNA!".
        return (
            f"({lhs} = %s OR ({lhs} >= %s AND {lhs} < %s))",
            [*lhs_params, words, *lhs_params, f"{words} ", *lhs_params, f"{words}!"],
        )


# Compiled in place of the key: no row has it, and no query has it as a constant.
_KEY_MARK = -(2**62) - 4051


@dataclass(frozen=True, slots=True)
class _Select:
    model: type[Model]
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where the key goes among the parameters
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # column, converters, expression


# Per connection object (its operations make the converters), per query-building function.
_selects: weakref.WeakKeyDictionary[Any, dict[Callable[[Any], QuerySet[Any]], _Select]] = (
    weakref.WeakKeyDictionary()
)


def _select(build: Callable[[Any], QuerySet[Any]]) -> _Select:
    wrapper = connections[DEFAULT_DB_ALIAS]
    known = _selects.setdefault(wrapper, {})
    if build in known:
        return known[build]
    queryset = build(_KEY_MARK)
    compiler = queryset.query.get_compiler(connection=wrapper)
    sql, params = compiler.as_sql()
    columns = [expression for expression, _sql, _alias in compiler.select]
    if compiler.klass_info is None or len(columns) != len(queryset.model._meta.concrete_fields):
        raise ValueError("rows_select needs whole rows of one model (no only/defer/joins)")
    slots = tuple(i for i, p in enumerate(params) if p == _KEY_MARK)
    if not slots:
        raise ValueError("rows_select: the key is not a parameter of the query")
    known[build] = _Select(
        model=queryset.model,
        sql=sql,
        params=tuple(params),
        slots=slots,
        converters=tuple(
            (i, tuple(convs), column)
            for i, (convs, column) in compiler.get_converters(columns).items()
        ),
    )
    return known[build]


def rows_select(build: Callable[[Any], QuerySet[M]], key: Any) -> list[M]:
    """The rows of `build(key)`, a queryset of whole rows of one model filtered by one key (a
    person's id), without its per-call compilation: the SQL is compiled once per function and
    connection, with a mark in place of the key. For pages that run several small querysets
    per request (the person record): building and compiling one costs ~0.3 ms, running it
    ~0.03 ms. `build` must be a module-level function (it is the cache key)."""
    select = _select(build)
    params = list(select.params)
    for slot in select.slots:
        params[slot] = key
    with connection.cursor() as cursor:
        cursor.execute(select.sql, params)
        rows = cursor.fetchall()
    out: list[Any] = []
    for row in rows:
        values = list(row)
        for i, convs, column in select.converters:
            for convert in convs:
                values[i] = convert(values[i], column, connection)
        out.append(select.model.from_db(connection.alias, (), values))  # whole rows: no names
    return out


def statistics_refresh(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Let the query planner know the tables' sizes after a bulk load, a new index, or now and
    then. SQLite keeps no statistics of its own: without them it picks an index that matches
    every row (the person search read all 1.9 million records, bench/people.py); PostgreSQL's
    autovacuum catches up too late after a bulk load."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # a sample: seconds, not minutes
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


def table_vacuum(model: type[Model], *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """PostgreSQL: `VACUUM (ANALYZE)` a table after a job rewrote most of its rows (index-only
    scans read the table again until the visibility map is fresh, and autovacuum waits for a
    fifth of the table to change). Not inside a transaction, where PostgreSQL refuses it, nor
    on SQLite. True when it ran."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return True
