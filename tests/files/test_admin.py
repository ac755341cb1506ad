"""The admin lists uploaded files read-only, without their names, uploaders' e-mails or any
way to their content."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from hamburg_service.accounts.models import Role
from hamburg_service.files.policy import DOCUMENTS
from hamburg_service.files.services import file_store
from tests.support.actors import RESIDENT

from .conftest import pdf_plain, upload

pytestmark = pytest.mark.django_db


def test_the_admin_shows_facts_not_content(make_staff):
    stored = file_store(
        upload=upload("Pass Erika.pdf", pdf_plain()),
        policy=DOCUMENTS,
        actor=RESIDENT,
        purpose="cases.document_request",
    )
    admin = make_staff(Role.ADMINISTRATOR)
    admin.user_permissions.add(Permission.objects.get(codename="view_storedfile"))
    client = Client()
    client.force_login(admin)
    for url in (
        "/admin/files/storedfile/",
        "/admin/files/storedfile/?q=not-a-uuid",
        f"/admin/files/storedfile/?q={stored.public_id}",
        f"/admin/files/storedfile/{stored.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "cases.document_request" in page
        assert stored.storage_name not in page
        assert "Erika" not in page
        assert "person@example.org" not in page
    assert client.post(f"/admin/files/storedfile/{stored.pk}/delete/").status_code == 403
    assert client.get("/admin/files/storedfile/add/").status_code == 403
