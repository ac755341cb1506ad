"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def write_transaction() -> Iterator[None]:
    """`transaction.atomic()`, with the writers queued in line on SQLite.

    SQLite lets one writer in at a time and the others poll with growing sleeps (1, 2, 5,
    10 … ms), so under load the lock often lies free while every waiter sleeps. A blocking
    `flock` on a file beside the database queues the busy write paths (booking, moving,
    cancelling) and wakes the next writer the moment the previous one is done. Other writers
    (sessions, the task worker) take SQLite's own lock as before: correctness never depends
    on the queue, only the waiting does. Inside an outer transaction, which may hold SQLite's
    lock already, the queue is skipped so that the two locks are never taken in both orders.
    """
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.in_atomic_block or "memory" in name:
        with transaction.atomic():
            yield
        return
    with open(f"{name}.write-queue", "a") as queue:
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            with transaction.atomic():
                yield
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)
