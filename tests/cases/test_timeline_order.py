"""A letter's event comes after the step that caused it in the case's timeline (the staff's and
the applicant's, both ordered by time): the letter's own time is cut to whole seconds for its
QR code, and the receipt of the same second must not come after the certificate."""

from __future__ import annotations

import datetime as dt

import pytest

from hamburg_service.cases.models import CaseEvent

from .conftest import NOW
from .letters_support import (  # noqa: F401 - fixtures
    fixture_clerk,
    fixture_make_person,
    fixture_uploads_root,
)

pytestmark = pytest.mark.django_db


def test_the_certificate_follows_the_receipt_of_the_same_second(open_case, make_person):
    now = NOW + dt.timedelta(microseconds=700_000)
    person = make_person(title_until=NOW.date() + dt.timedelta(days=21))
    case = open_case(person=person, received_at=now, now=now)
    events = list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))
    kinds = [e.kind for e in events if e.kind in ("received", "provisional_issued")]
    assert kinds == ["received", "provisional_issued"]
    issued = next(e for e in events if e.kind == "provisional_issued")
    assert issued.at == now  # recorded when it is; the letter keeps its whole second
    assert case.letters.get().issued_at == NOW
