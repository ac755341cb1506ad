"""Uploads are kept outside the web root, no address reaches them, and the one way out — the
owning app's view calling `file_response` — makes the browser save them, never run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.test import Client

from hamburg_service.files.policy import DOCUMENTS
from hamburg_service.files.responses import content_disposition, file_response
from hamburg_service.files.services import file_store
from hamburg_service.files.storage import uploads_storage
from tests.support.actors import RESIDENT

from .conftest import pdf_plain, upload

pytestmark = pytest.mark.django_db


def test_the_default_uploads_directory_is_outside_the_served_ones():
    from hamburg_service import settings as configured

    root = Path(django_settings.UPLOADS_ROOT).resolve()
    assert configured.STORAGES["uploads"]["OPTIONS"]["location"] == django_settings.UPLOADS_ROOT
    for served in (django_settings.STATIC_ROOT, django_settings.MEDIA_ROOT):
        served = Path(served).resolve()
        assert not root.is_relative_to(served)
        assert not served.is_relative_to(root)
    assert [e.id for e in run_checks() if e.id.startswith("files.")] == []


def test_uploads_inside_the_static_files_fail_the_system_check(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "hamburg_service.files.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": Path(settings.STATIC_ROOT) / "uploads"},
        },
    }
    assert [e.id for e in run_checks() if e.id.startswith("files.")] == ["files.E001"]


def test_no_address_reaches_a_stored_file(uploads_root):
    stored = file_store(
        upload=upload("a.pdf", pdf_plain()), policy=DOCUMENTS, actor=RESIDENT, purpose="x.y"
    )
    client = Client()
    name = stored.storage_name
    for path in (
        f"/{name}",
        f"/var/uploads/{name}",
        f"/uploads/{name}",
        f"/media/{name}",
        f"/static/{name}",
        f"/static/../var/uploads/{name}",
        f"/en/{name}",
        f"/{stored.public_id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"%PDF" not in response.content
    with pytest.raises(NotImplementedError):
        uploads_storage().url(name)


def test_the_download_is_an_attachment_that_never_runs(uploads_root):
    data = pdf_plain()
    stored = file_store(
        upload=upload("Bescheid für Ö.pdf", data), policy=DOCUMENTS, actor=RESIDENT, purpose="x.y"
    )
    response = file_response(stored)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"] == (
        'attachment; filename="Bescheid fur O.pdf"; '
        "filename*=UTF-8''Bescheid%20f%C3%BCr%20%C3%96.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == data
    response.close()


def test_a_name_cannot_break_out_of_the_header():
    header = content_disposition('a"; filename=evil.html; x=".pdf')
    assert header.startswith('attachment; filename="a__ filename_evil.html_ x__.pdf"; filename*=')
    assert '"' not in header.split("filename*=")[1]
