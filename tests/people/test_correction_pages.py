"""Staff pages for changes to the register entry: a correction of names, birth and sex with
its reason, nationalities added and ended, a death recorded — each read of the record logged,
bad input shown at its field with nothing lost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from hamburg_service.accounts.models import AccessLog, Role
from hamburg_service.people.models import Nationality, Person, PersonEvent, Residence
from hamburg_service.people.services import residences
from tests.support.db import unchanged

from .conftest import HOME, NOW, TODAY

QUERY = "?purpose=person_correction&reference="


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def anna(make_person, clerk) -> Person:
    person = make_person(given_names="Anna", name_affix="", nationalities=("DEU",))
    residences.residence_register(
        person=person, address=HOME, moved_in_on=TODAY - dt.timedelta(days=30), actor=clerk
    )
    return person


def correction(**changes: str) -> dict[str, str]:
    values = {
        "what": "correct",
        "family_name": "Meier",
        "given_names": "Anna",
        "birth_name": "",
        "name_affix": "",
        "doctoral_degree": "",
        "birth_date": "1985-03-04",
        "birth_place": "Hamburg",
        "birth_country": "DEU",
        "sex": "w",
        "effective_on": "",
        "reason": "Geburtsurkunde Standesamt Hamburg-Mitte 123/1985",
    }
    values.update(changes)
    return values


def test_the_form_shows_the_current_values_and_the_read_is_logged(anna, client_as):
    clerk = client_as(Role.CLERK)
    before = AccessLog.objects.count()
    page = clerk.get(f"/staff/people/{anna.pk}/correct/{QUERY}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Meier"' in html
    assert 'value="1985-03-04"' in html
    assert AccessLog.objects.count() == before + 1


def test_a_clerk_corrects_a_name_with_its_reason(anna, client_as):
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{anna.pk}/correct/{QUERY}"
    before = AccessLog.objects.count()
    done = clerk.post(url, correction(family_name="Meyer", birth_date="00.03.1985"))
    assert done.status_code == 302
    assert done["Location"].startswith(f"/staff/people/{anna.pk}/?purpose=person_correction")
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("pk").purpose == "person_correction"
    event = PersonEvent.objects.filter(person=anna, kind="corrected").get()
    assert event.data["reason"] == "Geburtsurkunde Standesamt Hamburg-Mitte 123/1985"
    assert event.data["before"]["family_name"] == "Meier"
    assert event.data["after"]["birth_day"] is None
    record = clerk.get(done["Location"]).content.decode()
    assert "Meyer" in record
    assert "00.03.1985" in record


@pytest.mark.parametrize("name", ["Meier3", "Meier ☃"])
def test_a_bad_name_answers_422_at_the_field_and_keeps_the_input(anna, client_as, name):
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{anna.pk}/correct/{QUERY}"
    with unchanged(Person, PersonEvent):
        page = clerk.post(url, correction(family_name=name, given_names="Änne"))
    assert page.status_code == 422
    html = page.content.decode()
    error = re.search(r'<p class="field-error" id="id_family_name-error">([^<]+)</p>', html)
    assert error is not None
    assert name[-1] in error.group(1)
    assert f'value="{name}"' in html
    assert 'value="Änne"' in html
    assert "Geburtsurkunde Standesamt" in html  # the reason too


def test_nothing_changed_and_a_missing_reason_are_refused(anna, client_as):
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{anna.pk}/correct/{QUERY}"
    with unchanged(Person, PersonEvent):
        assert clerk.post(url, correction()).status_code == 422
        page = clerk.post(url, correction(family_name="Meyer", reason=""))
    assert page.status_code == 422
    assert 'id="id_reason-error"' in page.content.decode()


def test_roles_without_register_write_get_403_and_an_unknown_person_404(anna, client_as):
    for role in (Role.CASEWORKER_IMMIGRATION, Role.FRONT_DESK):
        reader = client_as(role)
        for page in ("correct", "death"):
            url = f"/staff/people/{anna.pk}/{page}/{QUERY}"
            assert reader.get(url).status_code == 403
            with unchanged(Person, PersonEvent):
                assert reader.post(url, correction(family_name="Meyer")).status_code == 403
    clerk = client_as(Role.CLERK)
    with unchanged(AccessLog):
        assert clerk.get(f"/staff/people/999999/correct/{QUERY}").status_code == 404
        assert clerk.get(f"/staff/people/999999/death/{QUERY}").status_code == 404


def test_without_a_purpose_the_page_asks_for_one_and_reads_nothing(anna, client_as):
    with unchanged(AccessLog):
        page = client_as(Role.CLERK).get(f"/staff/people/{anna.pk}/correct/")
    assert page.status_code == 200
    assert "Meier" not in page.content.decode()


def test_a_death_is_recorded_from_the_notice_and_never_in_the_future(anna, client_as):
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{anna.pk}/death/{QUERY}"
    notice = {"died_on": "2025-03-08", "reference": "Sterbeurkunde 77/2025"}
    with unchanged(Person, PersonEvent, Residence):
        future = clerk.post(url, {**notice, "died_on": "2025-03-11", "confirm": "on"})
        unconfirmed = clerk.post(url, notice)
    assert future.status_code == 422
    assert 'id="id_died_on-error"' in future.content.decode()
    assert 'value="Sterbeurkunde 77/2025"' in future.content.decode()
    assert unconfirmed.status_code == 422
    assert 'id="id_confirm-error"' in unconfirmed.content.decode()
    assert clerk.post(url, {**notice, "confirm": "on"}).status_code == 302
    anna.refresh_from_db()
    assert (anna.status, anna.deceased_on) == ("deceased", dt.date(2025, 3, 8))
    event = PersonEvent.objects.get(person=anna, kind="death_recorded")
    assert event.data["reference"] == "Sterbeurkunde 77/2025"
    assert Residence.objects.get(person=anna).moved_out_on == dt.date(2025, 3, 8)
    again = clerk.post(url, {**notice, "confirm": "on"})
    assert again.status_code == 409


def test_a_nationality_is_added_and_ended(anna, client_as):
    clerk = client_as(Role.CLERK)
    url = f"/staff/people/{anna.pk}/correct/{QUERY}"
    add = {"what": "nationality-add", "add-country": "tur", "add-since": "2001-05-01"}
    assert clerk.post(url, add).status_code == 302
    assert Nationality.objects.get(person=anna, country="TUR").since == dt.date(2001, 5, 1)
    with unchanged(Nationality):
        assert clerk.post(url, add).status_code == 409  # held already
        wrong = clerk.post(url, {**add, "add-country": "XYZ"})
    assert wrong.status_code == 422
    assert 'id="id_add-country-error"' in wrong.content.decode()
    end = {"what": "nationality-end", "end-country": "TUR", "end-until": "2025-03-01"}
    with unchanged(Nationality):
        future = clerk.post(url, {**end, "end-until": "2025-04-01"})
    assert future.status_code == 422
    assert 'id="id_end-until-error"' in future.content.decode()
    assert clerk.post(url, end).status_code == 302
    assert Nationality.objects.get(person=anna, country="TUR").until == dt.date(2025, 3, 1)
    kinds = set(PersonEvent.objects.filter(person=anna).values_list("kind", flat=True))
    assert {"nationality_added", "nationality_ended"} <= kinds
    with unchanged(Nationality):
        assert clerk.post(url, end).status_code == 422  # no longer a choice


def test_the_record_links_to_the_pages_for_those_who_may_write(anna, client_as):
    url = f"/staff/people/{anna.pk}/{QUERY}"
    page = client_as(Role.CLERK).get(url).content.decode()
    assert f"/staff/people/{anna.pk}/correct/?purpose=person_correction" in page
    assert f"/staff/people/{anna.pk}/death/?purpose=person_correction" in page
    immigration = client_as(Role.CASEWORKER_IMMIGRATION).get(url).content.decode()
    assert "/correct/" not in immigration
    assert "/death/" not in immigration
