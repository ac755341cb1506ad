"""The upload field: several files per question, limits in the user's language, and files
already accepted kept when the page comes back with an error elsewhere."""

from __future__ import annotations

import html
import re

import pytest
from django import forms
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from hamburg_service.files.forms import FilesField, UploadsForm, staged_token
from hamburg_service.files.models import FileState, StoredFile
from hamburg_service.files.policy import UploadPolicy
from tests.support.actors import RESIDENT

from .conftest import elf_executable, jpeg_with_gps, pdf_plain, stored_blobs, upload

pytestmark = pytest.mark.django_db

POLICY = UploadPolicy(name="documents", max_files=3)


class AnswerForm(UploadsForm):
    name = forms.CharField(label="Name")
    documents = FilesField(label="Documents", policy=POLICY, purpose="cases.document_request")


def bound(data: dict, files: list | None = None) -> AnswerForm:
    data_dict = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})
    return AnswerForm(data_dict, MultiValueDict({"documents": files or []}), actor=RESIDENT)


def tokens(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'name="documents-staged" value="([^"]+)"', page)]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_input_takes_several_files_and_says_what_it_accepts():
    page = str(AnswerForm(actor=RESIDENT)["documents"])
    assert 'type="file"' in page
    assert "multiple" in page
    assert 'accept=".pdf,.jpg,.jpeg,.jpe,.jfif,.png,application/pdf,image/jpeg,image/png"' in page
    assert "required" in page
    help_text = str(AnswerForm.base_fields["documents"].help_text)
    assert help_text == "Accepted: PDF, JPEG, PNG, at most 10.0\xa0MB per file. Up to 3 files."


def test_accepted_files_survive_an_error_in_another_field(uploads_root):
    first = bound(
        {"name": ""}, [upload("scan.pdf", pdf_plain()), upload("foto.jpg", jpeg_with_gps())]
    )
    assert not first.is_valid()
    assert list(first.errors) == ["name"]
    staged = list(StoredFile.objects.order_by("pk"))
    assert [(f.original_name, f.state) for f in staged] == [
        ("scan.pdf", FileState.STAGED),
        ("foto.jpg", FileState.STAGED),
    ]
    page = first.as_div()
    assert "Already uploaded: scan.pdf" in page
    assert "Already uploaded: foto.jpg" in page
    assert 'name="documents-remove"' in page
    # With files staged the input may stay empty: the browser must not insist.
    assert not re.search(r'<input type="file"[^>]*required', page)
    carried = tokens(page)
    assert len(carried) == 2

    second = bound({"name": "Erika", "documents-staged": carried})
    assert second.is_valid(), second.errors
    assert second.cleaned_data["documents"] == staged
    assert StoredFile.objects.count() == 2  # nothing stored twice
    assert len(stored_blobs(uploads_root)) == 2


def test_a_refused_file_is_named_and_the_accepted_ones_are_kept(uploads_root):
    form = bound(
        {"name": "Erika"},
        [upload("passport.pdf", elf_executable()), upload("scan.pdf", pdf_plain())],
    )
    assert not form.is_valid()
    assert form.errors["documents"] == [
        "'passport.pdf' is not a PDF: its content is a program. Accepted: PDF, JPEG, PNG."
    ]
    assert list(StoredFile.objects.values_list("original_name", flat=True)) == ["scan.pdf"]
    page = form.as_div()
    assert "Already uploaded: scan.pdf" in page
    assert 'value="Erika"' in page  # what else was typed stays
    again = bound({"name": "Erika", "documents-staged": tokens(page)})
    assert again.is_valid()
    assert [f.original_name for f in again.cleaned_data["documents"]] == ["scan.pdf"]


def test_too_many_files_are_refused_and_none_of_them_stored(uploads_root):
    form = bound({"name": "Erika"}, [upload(f"{n}.pdf", pdf_plain()) for n in range(4)])
    assert not form.is_valid()
    assert form.errors["documents"] == ["You can upload at most 3 files here; you chose 4."]
    assert not StoredFile.objects.exists()
    assert stored_blobs(uploads_root) == []


def test_staged_files_count_toward_the_limit():
    first = bound({"name": ""}, [upload(f"{n}.pdf", pdf_plain()) for n in range(2)])
    assert not first.is_valid()
    second = bound(
        {"name": "Erika", "documents-staged": tokens(first.as_div())},
        [upload("a.pdf", pdf_plain()), upload("b.pdf", pdf_plain())],
    )
    assert not second.is_valid()
    assert second.errors["documents"] == ["You can upload at most 3 files here; you chose 4."]
    assert "Already uploaded: 0.pdf" in second.as_div()


def test_a_removed_file_is_deleted(uploads_root, django_capture_on_commit_callbacks):
    first = bound({"name": ""}, [upload("keep.pdf", pdf_plain()), upload("drop.pdf", pdf_plain())])
    assert not first.is_valid()
    keep, drop = tokens(first.as_div())
    with django_capture_on_commit_callbacks(execute=True):
        second = bound(
            {"name": "Erika", "documents-staged": [keep, drop], "documents-remove": drop}
        )
        assert second.is_valid()
    assert [f.original_name for f in second.cleaned_data["documents"]] == ["keep.pdf"]
    assert StoredFile.objects.get(original_name="drop.pdf").state == FileState.DELETED
    assert len(stored_blobs(uploads_root)) == 1


def test_forged_foreign_or_attached_tokens_carry_nothing():
    other_purpose = bound({"name": ""}, [upload("a.pdf", pdf_plain())])
    other_purpose.fields["documents"].purpose = "forms.other"
    assert not other_purpose.is_valid()
    foreign = StoredFile.objects.get()
    form = bound({"name": "Erika", "documents-staged": [staged_token(foreign), "forged:abc"]})
    assert not form.is_valid()
    assert form.errors["documents"] == ["Please choose at least one file."]


def test_the_field_speaks_german():
    with translation.override("de"):
        form = bound({"name": "Erika"}, [upload(f"{n}.pdf", pdf_plain()) for n in range(4)])
        assert not form.is_valid()
        assert form.errors["documents"] == [
            "Sie können hier höchstens 3 Dateien hochladen; Sie haben 4 gewählt."
        ]


def test_a_real_multipart_request_streamed_to_disk(settings):
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.test import RequestFactory

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # every file goes to a temporary file
    request = RequestFactory().post(
        "/",
        {
            "name": "Erika",
            "documents": [upload("scan.pdf", pdf_plain()), upload("foto.jpg", jpeg_with_gps())],
        },
    )
    assert all(isinstance(f, TemporaryUploadedFile) for f in request.FILES.getlist("documents"))
    form = AnswerForm(request.POST, request.FILES, actor=RESIDENT)
    assert form.is_valid(), form.errors
    assert [f.content_type for f in form.cleaned_data["documents"]] == [
        "application/pdf",
        "image/jpeg",
    ]
