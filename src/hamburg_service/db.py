"""Database helpers shared by the apps."""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction


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
