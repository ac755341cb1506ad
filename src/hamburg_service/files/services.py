"""Every write of uploads: storing a checked file (staged), attaching it to its owner, setting
how long the owner keeps it, deleting it; and keeping a file the service made itself (a
letter) beside its owner's uploads. Cases and online forms call these; the content goes
to the uploads storage before its row commits, and leaves it after the row's deletion
commits (a content whose row never committed is swept by the retention job)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import Conflict
from hamburg_service.core.events import event_record, events_record
from hamburg_service.files.inspection import too_large, upload_inspect
from hamburg_service.files.models import FileEventKind, FileState, StoredFile
from hamburg_service.files.names import name_for_type
from hamburg_service.files.policy import FILE_TYPES, UploadPolicy
from hamburg_service.files.storage import storage_name_new, uploads_storage

logger = logging.getLogger(__name__)
GENERATED = "generated"  # the policy name of files the service made itself


def _label(value: str, what: str) -> str:
    if not value or len(value) > 60:
        raise ValueError(f"{what} must be 1 to 60 characters: {value!r}")
    return value


def upload_read(upload: UploadedFile, policy: UploadPolicy) -> bytes:
    """The upload's bytes, read in chunks and refused as soon as they pass the policy's limit
    (the size the browser declared is not trusted, but a declared excess stops at once)."""
    limit = policy.byte_limit
    name = upload.name or ""
    if upload.size is not None and upload.size > limit:
        raise too_large(name, policy)
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > limit:
            raise too_large(name, policy)
    return bytes(data)


def file_store(
    *,
    upload: UploadedFile,
    policy: UploadPolicy,
    actor: Actor,
    purpose: str,
    delete_after: dt.date | None = None,
    now: dt.datetime | None = None,
) -> StoredFile:
    """Check `upload` by its content (docs/uploads.md) and keep it, staged: accepted, not yet
    attached to its owner. InvalidInput (field "file", a domain code such as
    `file-active-content`) names the file and what is wrong; a refused file leaves nothing."""
    now = now_or(now)
    purpose = _label(purpose, "purpose")
    data = upload_read(upload, policy)
    inspected = upload_inspect(data=data, name=upload.name or "", policy=policy)
    return _stored(
        data=inspected.data,
        name=inspected.name,
        content_type=inspected.file_type.content_type,
        policy=policy.name,
        purpose=purpose,
        owner="",
        actor=actor,
        delete_after=delete_after,
        now=now,
    )


def file_store_generated(
    *,
    data: bytes,
    name: str,
    content_type: str,
    owner: str,
    actor: Actor,
    purpose: str,
    delete_after: dt.date | None = None,
    now: dt.datetime | None = None,
) -> StoredFile:
    """Keep a file this service made itself (a letter, a certificate: signed, so stored byte
    for byte and not checked as an upload), attached to `owner` at once. Inside the owner's
    transaction when called in one."""
    now = now_or(now)
    file_type = FILE_TYPES.get(content_type)
    if file_type is None or not data:
        raise ValueError(f"Not a file type the service keeps: {content_type!r}")
    return _stored(
        data=data,
        name=name_for_type(name, file_type),
        content_type=content_type,
        policy=GENERATED,
        purpose=_label(purpose, "purpose"),
        owner=_label(owner, "owner"),
        actor=actor,
        delete_after=delete_after,
        now=now,
    )


def _stored(
    *,
    data: bytes,
    name: str,
    content_type: str,
    policy: str,
    purpose: str,
    owner: str,
    actor: Actor,
    delete_after: dt.date | None,
    now: dt.datetime,
) -> StoredFile:
    storage = uploads_storage()
    storage_name = storage.save(storage_name_new(), ContentFile(data))
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                storage_name=storage_name,
                original_name=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                policy=policy,
                purpose=purpose,
                state=FileState.ATTACHED if owner else FileState.STAGED,
                owner=owner,
                created_at=now,
                created_by_kind=actor.kind,
                created_by_user_id=actor.user_id,
                created_by_name=actor.name,
                attached_at=now if owner else None,
                delete_after=delete_after,
            )
            event_record(
                stored,
                kind=FileEventKind.STORED,
                actor=actor,
                at=now,
                data={"type": content_type, "size": stored.size, "purpose": purpose},
            )
            if owner:
                event_record(
                    stored,
                    kind=FileEventKind.ATTACHED,
                    actor=actor,
                    at=now,
                    data={"owner": owner, "delete_after": delete_after},
                )
    except BaseException:
        storage.delete(storage_name)
        raise
    return stored


def _locked(files: Sequence[StoredFile]) -> list[StoredFile]:
    ids = [f.pk for f in files]
    found = {
        f.pk: f for f in StoredFile.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    return [found[pk] for pk in ids if pk in found]


def file_attach(
    *,
    files: Sequence[StoredFile],
    owner: str,
    actor: Actor,
    delete_after: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[StoredFile]:
    """Give staged files to their owner ("case:K7QZ2M4P"), inside the owner's transaction when
    called in one. A file already attached, deleted or swept away is a Conflict
    (`file-not-staged`): the form that held it must be sent again."""
    now = now_or(now)
    owner = _label(owner, "owner")
    with transaction.atomic():
        locked = _locked(files)
        if len(locked) != len({f.pk for f in files}) or any(
            f.state != FileState.STAGED for f in locked
        ):
            raise Conflict(
                _("A file was already sent or has been removed. Please choose it again."),
                code="file-not-staged",
            )
        for stored in locked:
            stored.state = FileState.ATTACHED
            stored.owner = owner
            stored.attached_at = now
            if delete_after is not None:
                stored.delete_after = delete_after
        StoredFile.objects.bulk_update(locked, ["state", "owner", "attached_at", "delete_after"])
        events_record(
            locked,
            kind=FileEventKind.ATTACHED,
            actor=actor,
            at=now,
            data={"owner": owner, "delete_after": delete_after},
        )
    return locked


def file_transfer(
    *,
    files: Sequence[StoredFile],
    from_owner: str,
    to_owner: str,
    actor: Actor,
    delete_after: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[StoredFile]:
    """Hand attached files from one owner to the next (a draft's uploads to the case its
    submission became), inside the new owner's transaction when called in one: an attached
    event with the new owner and the one before; the retention is the new owner's
    (`delete_after`, None: kept until it decides). A file not attached to `from_owner` (deleted,
    swept away, taken already) is a Conflict (`file-not-attached`) and nothing moves."""
    now = now_or(now)
    from_owner = _label(from_owner, "owner")
    to_owner = _label(to_owner, "owner")
    with transaction.atomic():
        locked = _locked(files)
        if len(locked) != len({f.pk for f in files}) or any(
            f.state != FileState.ATTACHED or f.owner != from_owner for f in locked
        ):
            raise Conflict(
                _("A file of this application is no longer there. Please choose it again."),
                code="file-not-attached",
            )
        for stored in locked:
            stored.owner = to_owner
            stored.attached_at = now
            stored.delete_after = delete_after
        StoredFile.objects.bulk_update(locked, ["owner", "attached_at", "delete_after"])
        events_record(
            locked,
            kind=FileEventKind.ATTACHED,
            actor=actor,
            at=now,
            data={"owner": to_owner, "from": from_owner, "delete_after": delete_after},
        )
    return locked


def files_keep_until(
    *, owner: str, delete_after: dt.date | None, actor: Actor, now: dt.datetime | None = None
) -> int:
    """Set when the owner's files are deleted (a case closed: its retention period starts);
    None keeps them until the owner decides again. Returns how many files."""
    now = now_or(now)
    with transaction.atomic():
        files = list(
            StoredFile.objects.select_for_update()
            .filter(owner=_label(owner, "owner"))
            .exclude(state=FileState.STAGED)
            .order_by("pk")
        )
        for stored in files:
            stored.delete_after = delete_after
        StoredFile.objects.bulk_update(files, ["delete_after"])
        events_record(
            files,
            kind=FileEventKind.KEEP_UNTIL,
            actor=actor,
            at=now,
            data={"delete_after": delete_after},
        )
    return len(files)


def file_delete(
    *, file: StoredFile, actor: Actor, reason: str, now: dt.datetime | None = None
) -> StoredFile:
    """Delete a file's content now (a wrong upload, the uploader's "remove"). The row stays,
    without content, as the record of who deleted it and why, until the retention rules
    remove it. Deleting a deleted file does nothing."""
    now = now_or(now)
    with transaction.atomic():
        stored = StoredFile.objects.select_for_update().get(pk=file.pk)
        if stored.state == FileState.DELETED:
            return stored
        previous, name = stored.state, stored.storage_name
        stored.state = FileState.DELETED
        stored.deleted_at = now
        stored.storage_name = ""
        stored.save(update_fields=["state", "deleted_at", "storage_name"])
        event_record(
            stored,
            kind=FileEventKind.DELETED,
            actor=actor,
            at=now,
            data={"reason": reason[:500], "state": previous},
        )
        transaction.on_commit(lambda: blobs_delete([name]))
    return stored


def blobs_delete(names: Sequence[str]) -> None:
    """Remove contents from storage after their rows are gone; one that fails is left to the
    retention job's sweep."""
    storage = uploads_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete an upload's content from storage")
