"""Retention of uploads (GDPR Art. 5 (1) (e), storage limitation): a file goes, row and
content, on the day after its owner's `delete_after`; a file accepted but never sent with its
form goes UPLOAD_STAGED_HOURS (24) after it was uploaded. Contents whose row never committed
(a request that failed after storing) are swept after the same time."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from hamburg_service.catalog import hours
from hamburg_service.core.retention import retention_report
from hamburg_service.files.models import StoredFile
from hamburg_service.files.services import blobs_delete
from hamburg_service.files.storage import uploads_storage

RULE_EXPIRED = "files.expired"
RULE_STAGED = "files.staged"
RULE_ORPHANED = "files.orphaned"
_OURS = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(_[A-Za-z0-9]+)?$")


def _deleted(files: QuerySet[StoredFile]) -> tuple[list[str], int]:
    names = [n for n in files.values_list("storage_name", flat=True) if n]
    count = files.count()
    files.delete()
    return names, count


def files_retention(*, now: dt.datetime) -> int:
    """Delete what is due; returns how many files (rows) and stray contents."""
    today = now.astimezone(hours.BERLIN).date()
    stale_before = now - dt.timedelta(hours=settings.UPLOAD_STAGED_HOURS)
    with transaction.atomic():
        names, expired = _deleted(StoredFile.objects.filter(delete_after__lt=today))
        retention_report(
            rule=RULE_EXPIRED, before=hours.local_datetime(today, 0), count=expired, at=now
        )
        more, staged = _deleted(StoredFile.objects.filter(owner="", created_at__lt=stale_before))
        retention_report(rule=RULE_STAGED, before=stale_before, count=staged, at=now)
        doomed = names + more
        transaction.on_commit(lambda: blobs_delete(doomed))
    # Leave the contents just deleted to their rows' commit (inside an outer transaction, later).
    orphaned = blobs_orphaned_delete(before=stale_before, skip=set(doomed))
    retention_report(rule=RULE_ORPHANED, before=stale_before, count=orphaned, at=now)
    return expired + staged + orphaned


def blobs_orphaned_delete(*, before: dt.datetime, skip: set[str] | None = None) -> int:
    """Delete contents older than `before` that no row names, one directory at a time."""
    storage = uploads_storage()
    try:
        directories, _files = storage.listdir("")
    except (FileNotFoundError, NotImplementedError):
        return 0
    count = 0
    for directory in sorted(directories):
        _subdirectories, files = storage.listdir(directory)
        names = {f"{directory}/{name}" for name in files}
        known = set(
            StoredFile.objects.filter(storage_name__startswith=f"{directory}/").values_list(
                "storage_name", flat=True
            )
        )
        for name in sorted(names - known - (skip or set())):
            if _OURS.match(name) and storage.get_modified_time(name) < before:
                storage.delete(name)
                count += 1
    return count
