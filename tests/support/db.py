"""Assertions about the database shared by the tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Model


def _digest(model: type[Model]) -> tuple[int, str]:
    rows = list(model._default_manager.order_by("pk").values_list())
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


@contextmanager
def unchanged(*models: type[Model]) -> Iterator[None]:
    """The rows of `models` are exactly the same after the block (a refused action writes
    nothing): same count, same values."""
    before = {model: _digest(model) for model in models}
    yield
    after = {model: _digest(model) for model in models}
    changed = [model.__name__ for model in models if before[model] != after[model]]
    assert not changed, f"rows changed in: {', '.join(changed)}"


def database_url() -> str:
    """The test database as a DATABASE_URL, for processes a test starts."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
