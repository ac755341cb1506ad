"""Two (or eight) clerks registering the same person at the same moment never create two
persons or two current main residences: real threads against the real database (SQLite in
WAL mode, or PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import Counter as Tally
from collections.abc import Callable

import pytest
from django.db import connections

from hamburg_service.core.errors import AppError
from hamburg_service.people.checks import Address
from hamburg_service.people.models import IdentityDocument, Person, PersonEvent, Residence
from hamburg_service.people.services import identity, papers, residences

from .conftest import NOW, TODAY, person_input

pytestmark = pytest.mark.django_db(transaction=True)
CLERKS = 8


def race(attempt: Callable[[int], object], n: int = CLERKS) -> Tally[str]:
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            attempt(i)
            result = "ok"
        except AppError as error:
            result = f"{error.status} {error.code}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Tally(outcomes)


def test_clerks_creating_the_same_person_at_once_create_one(clerk):
    outcomes = race(
        lambda i: identity.person_create(
            data=person_input(family_name=("Müller", "Mueller")[i % 2], given_names="Jürgen"),
            actor=clerk,
            now=NOW,
        )
    )
    assert outcomes == {"ok": 1, "409 person-exists": CLERKS - 1}
    assert Person.objects.count() == 1
    assert PersonEvent.objects.filter(kind="created").count() == 1


def test_clerks_creating_similar_people_at_once_see_each_other_as_duplicates(clerk):
    names = ["Meier", "Mayer", "Maier", "Meyer", "Mayr", "Meir"]
    found: dict[str, list[int]] = {}

    def create(i: int) -> None:
        created = identity.person_create(
            data=person_input(family_name=names[i], given_names="Anna"), actor=clerk, now=NOW
        )
        found[names[i]] = [d.pk for d in created.duplicates]

    assert race(create, n=len(names)) == {"ok": len(names)}
    # Served one after the other: the k-th record created saw the k-1 before it.
    assert sorted(len(d) for d in found.values()) == list(range(len(names)))


def test_clerks_registering_a_main_residence_at_once_register_one(clerk, make_person):
    person = make_person()
    addresses = [Address("Kirchenallee", str(n + 1), "20099") for n in range(CLERKS)]
    outcomes = race(
        lambda i: residences.residence_register(
            person=person, address=addresses[i], moved_in_on=TODAY, actor=clerk, now=NOW
        )
    )
    assert outcomes == {"ok": 1, "409 main-residence-exists": CLERKS - 1}
    assert Residence.objects.filter(person=person, moved_out_on__isnull=True).count() == 1
    assert PersonEvent.objects.filter(kind="moved_in").count() == 1


def test_clerks_registering_moves_at_once_leave_one_current_main_residence(clerk, make_person):
    person = make_person()
    residences.residence_register(
        person=person,
        address=Address("Kirchenallee", "1", "20099"),
        moved_in_on=TODAY - dt.timedelta(days=30),
        actor=clerk,
        now=NOW,
    )
    outcomes = race(
        lambda i: residences.residence_change(
            person=person,
            address=Address("Eppendorfer Weg", str(i + 1), "20259"),
            moved_in_on=TODAY - dt.timedelta(days=i),
            actor=clerk,
            now=NOW,
        )
    )
    assert outcomes["ok"] >= 1
    assert set(outcomes) <= {"ok", "422 move-before-previous"}
    current = Residence.objects.filter(person=person, moved_out_on__isnull=True)
    assert current.count() == 1
    # The chain is unbroken: each residence ends the day before the next begins.
    rows = list(Residence.objects.filter(person=person).order_by("moved_in_on"))
    for earlier, later in itertools.pairwise(rows):
        assert earlier.moved_out_on == later.moved_in_on - dt.timedelta(days=1)


def test_one_document_number_recorded_at_once_for_different_people_is_kept_once(clerk):
    """A 500 was possible on PostgreSQL: both saw no such number, the second insert hit the
    unique constraint. Now the loser is told the number is known."""
    people = [
        identity.person_create(
            data=person_input(family_name=f"Race{chr(65 + i)}"), actor=clerk, now=NOW
        ).person
        for i in range(4)
    ]
    outcomes = race(
        lambda i: papers.document_record(
            person=people[i],
            kind="passport",
            number="C01X00T47",
            issued_on=dt.date(2024, 1, 2),
            expires_on=dt.date(2034, 1, 1),
            actor=clerk,
            now=NOW,
        ),
        n=4,
    )
    assert outcomes == {"ok": 1, "409 document-known": 3}
    assert IdentityDocument.objects.count() == 1


def test_undoing_and_redoing_a_merge_at_once_never_deadlocks(clerk, make_person):
    """Undo locks both records in the order of their ids, as the merge does: an undo racing a
    merge of the same two records ends in answers, never in a deadlock (PostgreSQL) or a 500."""
    from hamburg_service.people.services import merging

    survivor = make_person(family_name="Schulz", given_names="Lena")
    duplicate = make_person(family_name="Schultz", given_names="Lena")
    assert duplicate.pk > survivor.pk
    merging.person_merge(
        duplicate=duplicate, survivor=survivor, reason="the same person", actor=clerk, now=NOW
    )

    def attempt(i: int) -> object:
        if i % 2:
            return merging.person_merge_undo(
                duplicate=duplicate, reason="not the same", actor=clerk, now=NOW
            )
        return merging.person_merge(
            duplicate=duplicate,
            survivor=survivor,
            reason="the same after all",
            actor=clerk,
            now=NOW,
        )

    outcomes = race(attempt)
    # Every clerk got an answer (a deadlock would be no AppError and leave a thread without
    # one): done, or refused because the other got there first.
    assert sum(outcomes.values()) == CLERKS
    assert all(o == "ok" or o.startswith("409 ") for o in outcomes)
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id in (None, survivor.pk)
