"""Per-process caches of catalogue-derived data, valid while the catalogue revision stands.

The catalogue changes rarely and is read by every search and booking. Database triggers
give the `CatalogRevision` row a new number on every catalogue write (migration 0002), so a
cache keyed by that number is never stale: the next read after a change, in any process,
sees a new number and computes afresh. Reading the number is one indexed single-row query.

Model instances in the cache (services, locations) are shared by every request of the
process until the catalogue changes: read them, never change them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")
Revision = tuple[str, int] | None  # database name and revision number; None: do not cache
K = TypeVar("K", bound=Hashable)
MAX_ENTRIES = 100_000  # a safety bound; a whole city's 180-day grid is about 6,000 entries

_lock = threading.Lock()
_revision: tuple[str, int] | None = None
_entries: dict[Hashable, Any] = {}


_UNREAD: Any = object()
_pin = threading.local()


@contextmanager
def revision_pinned() -> Iterator[None]:
    """Read the revision at most once inside the block: for one request that reads the
    catalogue several times and writes none of it (a search, a booking)."""
    outer = getattr(_pin, "value", None)
    _pin.value = _UNREAD
    try:
        yield
    finally:
        _pin.value = outer


def revision_current() -> Revision:
    """This database's catalogue revision, or None where the row is missing (flushed)."""
    pinned = getattr(_pin, "value", None)
    if pinned is _UNREAD:
        pinned = _pin.value = _revision_read()
        return pinned
    if pinned is not None:
        return pinned
    return _revision_read()


def _revision_read() -> Revision:
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM catalog_catalogrevision WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return (str(connection.settings_dict["NAME"]), int(row[0]))


def _entries_of(revision: tuple[str, int]) -> dict[Hashable, Any]:
    global _revision, _entries
    with _lock:  # threads of one process (runserver) share the entries
        if revision != _revision or len(_entries) > MAX_ENTRIES:
            _revision, _entries = revision, {}
        return _entries


def cached(revision: Revision, key: Hashable, compute: Callable[[], T]) -> T:
    """The value of `compute()` for `key` at this revision, computed once per process."""
    if revision is None:
        return compute()
    entries = _entries_of(revision)
    try:
        value: T = entries[key]
        return value
    except KeyError:
        value = entries[key] = compute()
        return value


def cached_many(
    revision: Revision,
    keys: list[K],
    compute: Callable[[list[K]], dict[K, T]],
) -> dict[K, T]:
    """Like `cached` for many keys at once: `compute` gets the missing keys only and may
    return more than those (kept for later calls)."""
    if revision is None:
        return compute(keys)
    entries = _entries_of(revision)
    out: dict[K, T] = {key: entries[key] for key in keys if key in entries}
    missing = [key for key in keys if key not in out]
    if missing:
        fresh = compute(missing)
        for key, value in fresh.items():
            entries[key] = value
        out.update((key, fresh[key]) for key in missing)
    return out
