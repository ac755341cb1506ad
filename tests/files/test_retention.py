"""Retention of uploads: files past their owner's date and files never sent with their form
are deleted, rows and contents; the rest stays; every run is reported."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

from hamburg_service.core.models import RetentionRun
from hamburg_service.core.scheduler import jobs as scheduled
from hamburg_service.files import jobs
from hamburg_service.files.models import FileEvent, FileState, StoredFile
from hamburg_service.files.policy import DOCUMENTS
from hamburg_service.files.services import file_attach, file_delete, file_store
from tests.support.actors import RESIDENT, SYSTEM

from .conftest import pdf_plain, stored_blobs, upload

pytestmark = pytest.mark.django_db
BERLIN = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2027, 3, 10, 3, 50, tzinfo=BERLIN)


def stored(*, at: dt.datetime, owner: str = "", delete_after: dt.date | None = None) -> StoredFile:
    file = file_store(
        upload=upload("a.pdf", pdf_plain()), policy=DOCUMENTS, actor=RESIDENT, purpose="x.y", now=at
    )
    if owner:
        file_attach(files=[file], owner=owner, actor=RESIDENT, delete_after=delete_after, now=at)
        file.refresh_from_db()
    return file


def test_expired_and_stale_staged_files_go_with_their_contents(
    uploads_root, django_capture_on_commit_callbacks
):
    long_ago = NOW - dt.timedelta(days=400)
    expired = stored(at=long_ago, owner="case:OLD", delete_after=dt.date(2027, 3, 9))
    due_today = stored(at=long_ago, owner="case:TODAY", delete_after=dt.date(2027, 3, 10))
    kept_open = stored(at=long_ago, owner="case:OPEN")
    stale = stored(at=NOW - dt.timedelta(hours=25))
    fresh = stored(at=NOW - dt.timedelta(hours=23))
    removed = stored(at=NOW - dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        file_delete(file=removed, actor=RESIDENT, reason="removed by the uploader")
    # A content whose row never committed, and a fresh one being stored right now.
    (uploads_root / "ab").mkdir(exist_ok=True)
    orphan = uploads_root / "ab" / ("ab" + "0" * 30)
    orphan.write_bytes(b"%PDF-1.7")
    old = (NOW - dt.timedelta(days=2)).timestamp()
    os.utime(orphan, (old, old))
    young = uploads_root / "ab" / ("ab" + "1" * 30)
    young.write_bytes(b"%PDF-1.7")
    recent = (NOW - dt.timedelta(hours=1)).timestamp()
    os.utime(young, (recent, recent))
    stranger = uploads_root / "README"
    stranger.write_text("not ours")
    os.utime(stranger, (old, old))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retention(NOW) == 4  # 1 expired, 2 never sent (one removed), 1 orphan

    left = set(StoredFile.objects.values_list("pk", flat=True))
    assert left == {due_today.pk, kept_open.pk, fresh.pk}
    assert not FileEvent.objects.filter(file_id__in=[expired.pk, stale.pk, removed.pk]).exists()
    blobs = set(stored_blobs(uploads_root))
    assert blobs == {
        uploads_root / due_today.storage_name,
        uploads_root / kept_open.storage_name,
        uploads_root / fresh.storage_name,
        young,
        stranger,
    }
    runs = dict(RetentionRun.objects.values_list("rule", "count"))
    assert runs == {"files.expired": 1, "files.staged": 2, "files.orphaned": 1}
    assert StoredFile.objects.get(pk=fresh.pk).state == FileState.STAGED

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retention(NOW) == 0


def test_retention_is_a_daily_job():
    job = next(j for j in scheduled() if j.name == "files.retention")
    assert job.daily_at == dt.time(3, 50)


def test_an_empty_storage_is_no_trouble(uploads_root):
    assert not uploads_root.exists()
    assert jobs.retention(timezone.now()) == 0
    assert SYSTEM.name == "tests"
