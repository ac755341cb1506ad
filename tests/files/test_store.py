"""Storing, attaching and deleting uploads: what is refused leaves nothing behind; what is
accepted is kept under a random name, staged until its owner takes it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.utils import timezone, translation
from PIL import Image

from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.files.models import FileEvent, FileState, StoredFile
from hamburg_service.files.policy import DOCUMENTS, UploadPolicy
from hamburg_service.files.selectors import file_of, file_open, files_of
from hamburg_service.files.services import (
    file_attach,
    file_delete,
    file_store,
    files_keep_until,
)
from tests.support.actors import RESIDENT, SYSTEM

from .conftest import elf_executable, jpeg_with_gps, pdf_plain, stored_blobs, upload

pytestmark = pytest.mark.django_db


def test_an_accepted_pdf_is_stored_staged_under_a_random_name(uploads_root):
    data = pdf_plain()
    stored = file_store(
        upload=upload("Mietvertrag Müller.pdf", data),
        policy=DOCUMENTS,
        actor=RESIDENT,
        purpose="cases.document_request",
    )
    assert stored.state == FileState.STAGED
    assert stored.owner == ""
    assert stored.original_name == "Mietvertrag Müller.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.policy == "documents"
    assert (stored.created_by_kind, stored.created_by_name) == ("resident", "person@example.org")
    assert "Mietvertrag" not in stored.storage_name
    assert "pdf" not in stored.storage_name
    assert stored_blobs(uploads_root) == [uploads_root / stored.storage_name]
    assert (uploads_root / stored.storage_name).read_bytes() == data
    assert (uploads_root / stored.storage_name).stat().st_mode & 0o777 == 0o600
    assert list(stored.events.values_list("kind", flat=True)) == ["stored"]


def test_an_image_is_stored_as_encoded_anew(uploads_root):
    stored = file_store(
        upload=upload("IMG_0001.JPG", jpeg_with_gps(), "image/jpeg"),
        policy=DOCUMENTS,
        actor=RESIDENT,
        purpose="forms.upload",
    )
    content = (uploads_root / stored.storage_name).read_bytes()
    assert stored.content_type == "image/jpeg"
    assert stored.size == len(content)
    assert b"Exif" not in content
    assert b"PhoneMaker" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert dict(image.getexif()) == {}


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("passport.pdf", elf_executable(), "file-type"),
        ("big.pdf", pdf_plain() + b"\n" * 100_000, "file-too-large"),
    ],
)
def test_a_refused_file_leaves_no_row_and_no_content(uploads_root, name, data, code):
    small = UploadPolicy(name="documents", max_bytes=100_000)
    with pytest.raises(InvalidInput) as caught:
        file_store(upload=upload(name, data), policy=small, actor=RESIDENT, purpose="x.y")
    assert caught.value.code == code
    assert not StoredFile.objects.exists()
    assert not FileEvent.objects.exists()
    assert stored_blobs(uploads_root) == []


def test_the_size_is_counted_while_reading_not_taken_from_the_browser(uploads_root):
    lying = upload("big.pdf", pdf_plain() + b"\n" * 5000)
    lying.size = 10  # what a crafted request could declare
    with pytest.raises(InvalidInput) as caught:
        file_store(
            upload=lying,
            policy=UploadPolicy(name="documents", max_bytes=3000),
            actor=RESIDENT,
            purpose="x.y",
        )
    assert caught.value.code == "file-too-large"
    assert stored_blobs(uploads_root) == []


def test_the_default_limit_is_ten_megabytes(uploads_root):
    assert DOCUMENTS.byte_limit == 10 * 1024 * 1024
    with pytest.raises(InvalidInput) as caught, translation.override("en"):
        file_store(
            upload=upload("huge.pdf", pdf_plain() + b"\n" * (10 * 1024 * 1024)),
            policy=DOCUMENTS,
            actor=RESIDENT,
            purpose="x.y",
        )
    assert "larger than 10.0" in caught.value.detail
    assert not StoredFile.objects.exists()


def test_a_failed_row_takes_its_content_with_it(uploads_root):
    with pytest.raises(ValueError, match="purpose"):
        file_store(
            upload=upload("a.pdf", pdf_plain()), policy=DOCUMENTS, actor=RESIDENT, purpose=""
        )
    assert stored_blobs(uploads_root) == []


def staged(purpose: str = "cases.document_request") -> StoredFile:
    return file_store(
        upload=upload("a.pdf", pdf_plain()), policy=DOCUMENTS, actor=RESIDENT, purpose=purpose
    )


def test_staged_files_are_attached_to_their_owner_once(make_staff):
    first, second = staged(), staged()
    clerk = make_staff()
    from hamburg_service.core.actors import Actor

    attached = file_attach(
        files=[second, first],
        owner="case:K7QZ2M4P",
        actor=Actor.staff(clerk),
        delete_after=dt.date(2030, 1, 1),
    )
    assert [f.pk for f in attached] == [second.pk, first.pk]
    for stored in StoredFile.objects.all():
        assert stored.state == FileState.ATTACHED
        assert stored.owner == "case:K7QZ2M4P"
        assert stored.delete_after == dt.date(2030, 1, 1)
        assert stored.attached_at is not None
    event = FileEvent.objects.get(file=first, kind="attached")
    assert event.actor_user == clerk
    assert event.data == {"owner": "case:K7QZ2M4P", "delete_after": "2030-01-01"}
    assert list(files_of("case:K7QZ2M4P")) == [first, second]
    with pytest.raises(Conflict) as caught:
        file_attach(files=[first], owner="case:OTHER", actor=RESIDENT)
    assert caught.value.code == "file-not-staged"
    assert StoredFile.objects.get(pk=first.pk).owner == "case:K7QZ2M4P"


def test_an_owner_finds_only_its_own_files():
    mine, theirs = staged(), staged()
    file_attach(files=[mine], owner="case:MINE", actor=RESIDENT)
    file_attach(files=[theirs], owner="case:THEIRS", actor=RESIDENT)
    assert file_of(owner="case:MINE", public_id=str(mine.public_id)) == mine
    from hamburg_service.core.errors import NotFound

    for public_id in (str(theirs.public_id), "not-a-uuid", ""):
        with pytest.raises(NotFound):
            file_of(owner="case:MINE", public_id=public_id)


def test_deleting_removes_the_content_after_commit_and_keeps_the_record(
    uploads_root, django_capture_on_commit_callbacks
):
    stored = staged()
    file_attach(files=[stored], owner="case:K7QZ2M4P", actor=RESIDENT)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = file_delete(file=stored, actor=SYSTEM, reason="wrong document")
    assert deleted.state == FileState.DELETED
    assert deleted.storage_name == ""
    assert stored_blobs(uploads_root) == []
    assert FileEvent.objects.get(file=stored, kind="deleted").data == {
        "reason": "wrong document",
        "state": "attached",
    }
    assert list(files_of("case:K7QZ2M4P")) == []
    from hamburg_service.core.errors import NotFound

    with pytest.raises(NotFound):
        file_open(deleted)
    # Again: nothing more happens.
    assert file_delete(file=stored, actor=SYSTEM, reason="again").state == FileState.DELETED
    assert FileEvent.objects.filter(file=stored, kind="deleted").count() == 1


def test_the_owner_sets_when_its_files_go():
    first, second, other = staged(), staged(), staged()
    file_attach(files=[first, second], owner="case:A", actor=RESIDENT)
    file_attach(files=[other], owner="case:B", actor=RESIDENT)
    assert files_keep_until(owner="case:A", delete_after=dt.date(2031, 12, 31), actor=SYSTEM) == 2
    assert set(StoredFile.objects.values_list("owner", "delete_after")) == {
        ("case:A", dt.date(2031, 12, 31)),
        ("case:B", None),
    }


def test_times_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        file_store(
            upload=upload("a.pdf", pdf_plain()),
            policy=DOCUMENTS,
            actor=RESIDENT,
            purpose="x.y",
            now=dt.datetime(2026, 1, 1),
        )
    assert timezone.now()


def test_a_generated_letter_is_kept_byte_for_byte_and_attached(uploads_root):
    from hamburg_service.files.services import file_store_generated

    data = pdf_plain()
    letter = file_store_generated(
        data=data,
        name="Bescheid-2027-000123",
        content_type="application/pdf",
        owner="case:K7QZ2M4P",
        actor=SYSTEM,
        purpose="letter:decision",
    )
    assert (letter.state, letter.owner, letter.policy) == (
        FileState.ATTACHED,
        "case:K7QZ2M4P",
        "generated",
    )
    assert letter.original_name == "Bescheid-2027-000123.pdf"
    assert letter.attached_at == letter.created_at
    assert (uploads_root / letter.storage_name).read_bytes() == data
    assert list(letter.events.values_list("kind", flat=True)) == ["stored", "attached"]
    assert list(files_of("case:K7QZ2M4P")) == [letter]
    with pytest.raises(ValueError, match="file type"):
        file_store_generated(
            data=b"<html>",
            name="x.html",
            content_type="text/html",
            owner="case:K7QZ2M4P",
            actor=SYSTEM,
            purpose="letter:decision",
        )
