"""Possible duplicates reviewed side by side and merged by a caseworker — recorded, logged and
reversible."""

from __future__ import annotations

import pytest
import time_machine

from hamburg_service.accounts.models import AccessLog, AccessLogSubject, Role
from hamburg_service.people.models import Person, PersonEvent
from hamburg_service.people.services import blocks, identity
from tests.support.actors import RESIDENT
from tests.support.db import unchanged

from .conftest import NOW, person_input

PURPOSE = {"purpose": "person_correction"}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def twins(clerk):
    first = identity.person_create(data=person_input(), actor=clerk).person
    second = identity.person_create(
        data=person_input(family_name="Mayer", given_names="Anna"), actor=clerk
    ).person
    return first, second


def test_the_records_side_by_side_are_one_logged_read(twins, client_as):
    first, second = twins
    page = client_as(Role.CASEWORKER_REGISTRATION).get(
        f"/staff/people/{first.pk}/duplicates/", PURPOSE
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Meier, Anna Maria" in html
    assert "Mayer, Anna" in html
    entry = AccessLog.objects.get(subject_type="person_duplicates")
    assert set(AccessLogSubject.objects.filter(log=entry).values_list("person_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_merge_needs_a_reason_then_moves_the_record_and_can_be_undone(twins, client_as):
    first, second = twins
    caseworker = client_as(Role.CASEWORKER_REGISTRATION)
    url = f"/staff/people/{first.pk}/duplicates/?purpose=person_correction"
    with unchanged(Person, PersonEvent):
        assert caseworker.post(url, {"other": second.pk, "reason": ""}).status_code == 422
    merged = caseworker.post(url, {"other": second.pk, "reason": "dieselbe Person"})
    assert merged.status_code == 302
    second.refresh_from_db()
    assert second.merged_into_id == first.pk
    assert PersonEvent.objects.filter(person=first, kind="merged_from").exists()
    # The merged record answers like one that never existed …
    assert caseworker.get(f"/staff/people/{second.pk}/", PURPOSE).status_code == 404
    # … until the merge is undone.
    undone = caseworker.post(url, {"undo": second.pk, "reason": "doch verschieden"})
    assert undone.status_code == 302
    second.refresh_from_db()
    assert second.merged_into_id is None
    assert caseworker.get(f"/staff/people/{second.pk}/", PURPOSE).status_code == 200


@pytest.mark.parametrize("role", [Role.CASEWORKER_IMMIGRATION, Role.FRONT_DESK])
def test_others_cannot_merge_and_nothing_changes(twins, client_as, role):
    first, second = twins
    url = f"/staff/people/{first.pk}/duplicates/?purpose=person_correction"
    with unchanged(Person, PersonEvent, AccessLog):
        response = client_as(role).post(url, {"other": second.pk, "reason": "x"})
    assert response.status_code == 403


def test_a_record_with_an_information_block_is_not_merged(twins, client_as):
    """A merge must never lose a block (the other record's address would then be found by
    register information) nor spread it: the office lifts it first."""
    first, second = twins
    blocks.block_set(person=second, reason="Gefährdung", actor=RESIDENT)
    url = f"/staff/people/{first.pk}/duplicates/?purpose=person_correction"
    with unchanged(Person, PersonEvent):
        refused = client_as(Role.CASEWORKER_REGISTRATION).post(
            url, {"other": second.pk, "reason": "dieselbe Person"}
        )
    assert refused.status_code == 409
    second.refresh_from_db()
    assert second.merged_into_id is None
