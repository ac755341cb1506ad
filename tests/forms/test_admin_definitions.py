"""The definitions in the admin: every problem shown, a version in use never edited (a new
version instead), the preview in German and English, publishing."""

from __future__ import annotations

import json

from django.test import Client
from tests.forms.engine_support import definition_make, small_content

from hamburg_service.accounts.models import User
from hamburg_service.core.actors import Actor
from hamburg_service.forms.models import DefinitionState, FormDefinition
from hamburg_service.forms.services.drafts import draft_start


def _admin(db) -> Client:
    user = User.objects.create_superuser(
        username="root", email="root@example.org", password="x-pass-123"
    )
    client = Client()
    client.force_login(user)
    return client


def _hundred_fields() -> dict:
    content = small_content()
    fields = [
        {
            "key": f"q{i}",
            "type": "text",
            "label": {"de": f"Frage {i}", "en": f"Question {i}"},
            **({"show_if": {"==": [{"var": f"q{i - 1}"}, "x"]}} if i % 5 == 0 else {}),
        }
        for i in range(1, 101)
    ]
    content["steps"].append(
        {"key": "many", "title": {"de": "Viele", "en": "Many"}, "fields": fields}
    )
    return content


def test_problems_are_shown_and_nothing_saved(db):
    client = _admin(db)
    bad = small_content()
    bad["steps"][0]["fields"][0]["type"] = "colour"
    bad["case"]["email"] = "mail"
    response = client.post("/admin/online_forms/formdefinition/add/", {"content": json.dumps(bad)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "unknown field type" in text
    assert not FormDefinition.objects.exists()
    response = client.post("/admin/online_forms/formdefinition/add/", {"content": "{not json"})
    assert "Das ist kein JSON" in response.content.decode()


def test_a_version_in_use_gets_a_new_version_of_100_fields_previewed_and_published(db):
    # How fast a 100-field save is, is measured in bench/online.py, not here.
    client = _admin(db)
    published = definition_make()
    draft_start(definition=published, citizen=None, language="de", actor=Actor.resident())
    content = _hundred_fields()
    response = client.post(
        f"/admin/online_forms/formdefinition/{published.pk}/change/",
        {"content": json.dumps(content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    published.refresh_from_db()
    assert published.content == small_content()
    new = FormDefinition.objects.get(version=2)
    assert new.state == DefinitionState.DRAFT
    assert len(new.content["steps"]) == 6
    page = client.get(f"/admin/online_forms/formdefinition/{new.pk}/preview/?language=en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Question 100" in text
    assert "Please register tigers in person." in text
    assert (
        "Frage 1"
        in client.get(
            f"/admin/online_forms/formdefinition/{new.pk}/preview/?language=de"
        ).content.decode()
    )
    response = client.post(
        "/admin/online_forms/formdefinition/",
        {"action": "publish", "_selected_action": [new.pk]},
    )
    assert response.status_code == 302
    assert dict(FormDefinition.objects.values_list("version", "state")) == {
        1: DefinitionState.RETIRED,
        2: DefinitionState.PUBLISHED,
    }
