"""A person's record as it was valid on a date and as the register knew it at a time."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.people.selectors import person_as_of
from hamburg_service.people.services import identity, papers, residences

from .conftest import FLAT, HOME, NOW, ROOM

pytestmark = pytest.mark.django_db
JAN = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)


def test_a_late_move_is_invisible_before_it_was_registered(clerk, make_person):
    """Moved from HOME to FLAT on 1 Feb 2025 but registered only on 10 March."""
    person = make_person(now=JAN)
    residences.residence_register(
        person=person, address=HOME, moved_in_on=dt.date(2025, 1, 6), actor=clerk, now=JAN
    )
    residences.residence_change(
        person=person, address=FLAT, moved_in_on=dt.date(2025, 2, 1), actor=clerk, now=NOW
    )
    feb_15 = dt.date(2025, 2, 15)
    known_then = person_as_of(
        person_id=person.pk, on=feb_15, known_at=dt.datetime(2025, 2, 15, tzinfo=dt.UTC)
    )
    known_now = person_as_of(person_id=person.pk, on=feb_15, known_at=NOW)
    assert known_then is not None
    assert known_now is not None
    assert [r.street for r in known_then.residences] == ["Kirchenallee"]
    assert [r.street for r in known_now.residences] == ["Eppendorfer Weg"]
    january = person_as_of(person_id=person.pk, on=dt.date(2025, 1, 20), known_at=NOW)
    assert january is not None
    assert [r.street for r in january.residences] == ["Kirchenallee"]
    # Before the register knew the person at all: nothing.
    assert person_as_of(person_id=person.pk, on=feb_15, known_at=JAN - dt.timedelta(days=1)) is None


def test_names_titles_documents_and_status_as_of(clerk, make_person):
    person = make_person(family_name="Yılmaz", given_names="Elif", now=JAN)
    residences.residence_register(
        person=person, address=HOME, moved_in_on=dt.date(2025, 1, 6), actor=clerk, now=JAN
    )
    title = papers.title_record(
        person=person,
        kind="residence_permit",
        legal_basis="§ 16b",
        valid_from=dt.date(2024, 10, 1),
        valid_until=dt.date(2026, 9, 30),
        actor=clerk,
        now=JAN,
    )
    papers.document_record(
        person=person,
        kind="passport",
        number="U12345678",
        issuing_country="TUR",
        issued_on=dt.date(2019, 5, 1),
        expires_on=dt.date(2029, 4, 30),
        actor=clerk,
        now=JAN,
    )
    feb = dt.datetime(2025, 2, 20, 9, 0, tzinfo=dt.UTC)
    identity.person_correct(
        person=person,
        changes={"family_name": "Schulz", "birth_name": "Yılmaz"},
        reason="Heirat",
        effective_on=dt.date(2025, 2, 14),
        actor=clerk,
        now=feb,
    )
    papers.title_end(
        title=title,
        ended_on=dt.date(2025, 3, 1),
        reason="ersetzt durch § 18b",
        actor=clerk,
        now=NOW,
    )
    residences.residence_deregister(
        person=person, moved_out_on=dt.date(2025, 3, 5), actor=clerk, now=NOW
    )

    before_wedding = person_as_of(person_id=person.pk, on=dt.date(2025, 2, 1), known_at=NOW)
    assert before_wedding is not None
    assert before_wedding.names["family_name"] == "Yılmaz"
    assert before_wedding.names["birth_name"] == ""
    assert [t.legal_basis for t in before_wedding.titles] == ["§ 16b AufenthG"]
    assert [d.number for d in before_wedding.documents] == ["U12345678"]
    assert before_wedding.status == "resident"

    after_wedding = person_as_of(person_id=person.pk, on=dt.date(2025, 2, 20), known_at=NOW)
    assert after_wedding is not None
    assert after_wedding.names["family_name"] == "Schulz"
    # Known at a time before the correction was recorded, the old name holds on any date.
    not_yet_known = person_as_of(
        person_id=person.pk, on=dt.date(2025, 2, 20), known_at=feb - dt.timedelta(hours=1)
    )
    assert not_yet_known is not None
    assert not_yet_known.names["family_name"] == "Yılmaz"

    march = person_as_of(person_id=person.pk, on=dt.date(2025, 3, 8), known_at=NOW)
    assert march is not None
    assert (march.titles, march.residences, march.status) == ([], [], "moved_away")
    # The same date as known before the Abmeldung and the end of the title were recorded.
    march_then = person_as_of(
        person_id=person.pk, on=dt.date(2025, 3, 8), known_at=NOW - dt.timedelta(minutes=1)
    )
    assert march_then is not None
    assert len(march_then.titles) == 1
    assert len(march_then.residences) == 1


def _long_history(clerk, make_person, moves: int):
    person = make_person(
        family_name="Kaya", given_names="Mehmet", now=JAN - dt.timedelta(days=4000)
    )
    start = dt.date(2014, 1, 1)
    residences.residence_register(
        person=person,
        address=HOME,
        moved_in_on=start,
        actor=clerk,
        now=JAN - dt.timedelta(days=4000),
    )
    for n in range(1, moves):
        day = start + dt.timedelta(days=100 * n)
        residences.residence_change(
            person=person,
            address=(FLAT, ROOM)[n % 2],
            moved_in_on=day,
            actor=clerk,
            now=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
        )
        papers.title_record(
            person=person,
            kind="residence_permit",
            legal_basis="§ 16b",
            valid_from=day,
            valid_until=day + dt.timedelta(days=99),
            actor=clerk,
            now=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
        )
        identity.person_correct(
            person=person,
            changes={"given_names": ("Mehmet", "Mehmet Ali")[n % 2]},
            reason="Schreibweise",
            actor=clerk,
            now=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
        )
    return person


@pytest.mark.parametrize("moves", [1, 30])
def test_the_query_count_does_not_grow_with_the_history(
    clerk, make_person, django_assert_num_queries, moves
):
    person = _long_history(clerk, make_person, moves)
    with django_assert_num_queries(6):
        state = person_as_of(person_id=person.pk, on=dt.date(2015, 6, 1), known_at=NOW)
    assert state is not None
    assert len(state.residences) == 1
