"""Importing a register: a good file, bad rows reported by number, re-import idempotent."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hamburg_service.people.importing import (
    FormatError,
    people_import,
    records_from_csv,
    records_from_jsonl,
)
from hamburg_service.people.models import (
    IdentityDocument,
    Nationality,
    Person,
    PersonEvent,
    Residence,
    ResidenceTitle,
)
from hamburg_service.people.selectors import person_as_of
from tests.support.actors import SYSTEM
from tests.support.db import unchanged

from .conftest import NOW

pytestmark = pytest.mark.django_db
ALL = (Person, Residence, Nationality, IdentityDocument, ResidenceTitle, PersonEvent)

GOOD_CSV = (
    "external_id,family_name,given_names,birth_name,sex,birth_date,birth_place,birth_country,"
    "nationalities,street,house_number,postcode,residence_kind,moved_in_on,registered_at,"
    "landlord_confirmation,moved_out_on\n"
    """\
A-1,Ğüneş-Ørsted,Çağlar,,m,1988-04-12,İzmir,TUR,TUR DEU,Kirchenallee,1,20099,main,\
2020-02-01,2020-02-10T09:30,WGB-1,
A-2,Nguyễn,Thị Minh Khai,,w,1979-00-00,Hà Nội,VNM,VNM,Osterstraße,12a,20259,main,2024-12-01,,,
A-3,Ólafsdóttir,Sigríður,,w,1990-07-00,Reykjavík,ISL,ISL,Lange Reihe,3,20099,main,\
2015-01-01,2015-01-05,,2024-06-30
"""
)

BAD_CSV = """\
external_id,family_name,given_names,sex,birth_date,nationalities,street,house_number,postcode,moved_in_on
B-1,Schmidt,Eva,w,1970-01-02,DEU,Kirchenallee,1,20099,2021-01-01
B-2,Schm1dt,Eva,w,1970-01-02,DEU,Kirchenallee,1,20099,2021-01-01
B-3,Weber,Jan,m,1970-02-30,DEU,Kirchenallee,1,20099,2021-01-01
B-4,Weber,Jan,m,1970-02-03,DEU,Unter den Linden,1,10117,2021-01-01
B-5,Weber,Jan,m,1970-02-03,DEU,Kirchenallee,1,20099,2031-01-01
B-1,Schmidt,Eva,w,1970-01-02,DEU,Kirchenallee,1,20099,2021-01-01
B-6,Иванов,Иван,m,1980-01-01,RUS,Kirchenallee,1,20099,2021-01-01
"""


def test_a_good_csv_imports_every_person_with_residence_and_event():
    report = people_import(
        records_from_csv(io.StringIO(GOOD_CSV)), actor=SYSTEM, batch_size=2, now=NOW
    )
    assert (report.rows, report.imported, report.errors) == (3, 3, [])
    first = Person.objects.get(external_id="A-1")
    assert (first.family_key, first.given_key) == ("GUENES OERSTED", "CAGLAR")
    assert sorted(first.nationalities.values_list("country", flat=True)) == ["DEU", "TUR"]
    residence = first.residences.get()
    assert (residence.postcode, residence.late, residence.landlord_confirmation) == (
        "20099",
        False,
        "WGB-1",
    )
    assert residence.registered_at == dt.datetime(2020, 2, 10, 8, 30, tzinfo=dt.UTC)
    nguyen = Person.objects.get(external_id="A-2")
    assert (nguyen.birth_key, nguyen.birth_display) == (19790000, "00.00.1979")
    assert nguyen.residences.get().registered_at == NOW  # registered on import
    moved = Person.objects.get(external_id="A-3")
    assert moved.status == "moved_away"
    assert set(PersonEvent.objects.values_list("kind", flat=True)) == {"imported"}
    # Imported history reads as any other.
    then = person_as_of(person_id=moved.pk, on=dt.date(2020, 1, 1), known_at=NOW)
    assert then is not None
    assert [r.street for r in then.residences] == ["Lange Reihe"]


def test_a_reimport_is_idempotent():
    people_import(records_from_csv(io.StringIO(GOOD_CSV)), actor=SYSTEM, now=NOW)
    with unchanged(*ALL):
        again = people_import(records_from_csv(io.StringIO(GOOD_CSV)), actor=SYSTEM, now=NOW)
    assert (again.imported, again.already_imported, again.errors) == (0, 3, [])


def test_bad_rows_are_reported_by_number_and_left_out():
    report = people_import(records_from_csv(io.StringIO(BAD_CSV)), actor=SYSTEM, now=NOW)
    assert report.rows == 7
    assert report.imported == 1
    assert report.rows_with_errors == [3, 4, 5, 6, 7, 8]
    by_row = {e.row: e for e in reversed(report.errors)}  # the first error of each row
    assert by_row[3].field == "family_name"
    assert by_row[4].field == "birth_date"
    assert by_row[5].field == "residences.0.postcode"
    assert by_row[6].field == "residences.0.moved_in_on"
    assert by_row[7].field == "external_id"
    # Cyrillic belongs in original_family_name: both names are refused.
    assert [e.field for e in report.errors if e.row == 8] == ["family_name", "given_names"]
    assert list(Person.objects.values_list("external_id", flat=True)) == ["B-1"]
    assert str(by_row[5]).startswith("row 5: residences.0.postcode:")


def test_a_dry_run_writes_nothing():
    with unchanged(*ALL):
        report = people_import(
            records_from_csv(io.StringIO(GOOD_CSV)), actor=SYSTEM, dry_run=True, now=NOW
        )
    assert report.imported == 3


def test_json_lines_carry_whole_histories():
    lines = [
        {
            "external_id": "J-1",
            "family_name": "Ivanov",
            "given_names": "Aleksandr",
            "original_family_name": "Иванов",
            "original_given_names": "Александр",
            "sex": "m",
            "birth_date": "1979-06-01",
            "birth_country": "SUN",
            "nationalities": ["UKR"],
            "residences": [
                {
                    "street": "Kirchenallee",
                    "house_number": "1",
                    "postcode": "20099",
                    "moved_in_on": "2022-03-20",
                    "moved_out_on": "2023-05-31",
                    "registered_at": "2022-04-20",
                },
                {
                    "street": "Osterstraße",
                    "house_number": "7",
                    "postcode": "20259",
                    "moved_in_on": "2023-06-01",
                    "registered_at": "2023-06-02",
                },
            ],
            "documents": [
                {
                    "kind": "passport",
                    "number": "FA1234567",
                    "issuing_country": "UKR",
                    "issued_on": "2019-01-01",
                    "expires_on": "2029-01-01",
                }
            ],
            "titles": [
                {
                    "kind": "residence_permit",
                    "legal_basis": "§24",
                    "valid_from": "2022-04-20",
                    "valid_until": "2026-03-04",
                    "card_number": "Y12345678",
                }
            ],
        },
        "not an object",
        {
            "external_id": "J-2",
            "family_name": "X",
            "sex": "m",
            "birth_date": "1980",
            "titles": [{"kind": "blue_card", "legal_basis": "§18g", "valid_from": "2024-01-01"}],
        },
    ]
    stream = io.StringIO("\n".join(json.dumps(line) for line in lines) + "\n\n")
    report = people_import(records_from_jsonl(stream), actor=SYSTEM, now=NOW)
    assert report.imported == 1
    assert report.rows_with_errors == [2, 3]
    assert [e.field for e in report.errors if e.row == 3] == ["titles.0.valid_until"]
    person = Person.objects.get(external_id="J-1")
    first, _second = person.residences.order_by("moved_in_on")
    assert first.late is True  # registered a month after moving in
    assert person.titles.get().legal_basis == "§ 24 AufenthG"
    assert person.documents.get().issuing_country == "UKR"


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(FormatError):
        list(records_from_csv(io.StringIO("name,birthday\nA,1\n")))


def test_the_command_reports_rows_and_fails_on_errors(tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("people_import", str(good), stdout=out)
    assert "imported 3" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("people_import", str(bad), stdout=io.StringIO(), stderr=err)
    assert "3, 4, 5, 6, 7, 8" in str(failed.value)
    assert "row 5: residences.0.postcode" in err.getvalue()
