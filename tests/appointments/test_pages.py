"""The public booking pages under /appointments/: search, book, confirm, manage, move, .ics."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils.http import urlencode

from hamburg_service.appointments.models import (
    Appointment,
    SeatClaim,
    Status,
)
from hamburg_service.notifications.models import Message
from tests.support.cities import weekday_location
from tests.support.db import unchanged

from . import conftest
from .conftest import BOOK, DAY, NOW, at, person

SEARCH = "/appointments/"
ERROR_SUMMARY = 'class="error-summary"'
CORRECT_THIS = "Bitte korrigieren Sie Folgendes:"  # German by default


@pytest.fixture(autouse=True)
def frozen_now():
    cache.clear()  # per-client rate limits count in the cache; time stands still here
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def text(response) -> str:
    return response.content.decode()


def links(response, prefix: str) -> list[str]:
    return [
        html.unescape(href)
        for href in re.findall(r'href="([^"]+)"', text(response))
        if html.unescape(href).startswith(prefix)
    ]


def book_url(location="centre", services_=("anmeldung",), start=None) -> str:
    query = [("location", location), *[("services", s) for s in services_]]
    if start is not None:
        query.append(("start", start.isoformat()))
    return f"/appointments/book/?{urlencode(query)}"


def post_booking(client, start=None, **fields):
    data = {"name": "Erika Mustermann", "email": "erika@example.org", "phone": "", **fields}
    return client.post(book_url(start=start or at(9)), data)


def token_from(response) -> str:
    assert response.status_code == 302, response.status_code
    found = re.fullmatch(r"/appointments/manage/([^/]+)/", response["Location"])
    assert found, response["Location"]
    return found.group(1)


def booked(city, start=None, n=1):
    return conftest.book(city.location, [city.anmeldung], start or at(9), person(n))


# --- search ---------------------------------------------------------------------------------


def test_search_page_without_params_shows_the_service_checkboxes(client, city):
    response = client.get(SEARCH)
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="de">' in page
    for slug in ("anmeldung", "passport"):
        assert re.search(rf'<input type="checkbox" name="services" value="{slug}"', page), slug
    assert "Anmeldung" in page
    assert ERROR_SUMMARY not in page
    assert 'id="times-heading"' not in page  # nothing searched yet


def test_search_lists_free_times_linking_to_the_booking_page(client, city):
    response = client.get(SEARCH, {"services": "anmeldung"})
    assert response.status_code == 200
    found = links(response, "/appointments/book/")
    assert found
    query = parse_qs(urlsplit(found[0]).query)
    assert query["services"] == ["anmeldung"]
    assert query["location"][0] in {"centre", "other"}
    first = dt.datetime.fromisoformat(query["start"][0])
    assert first == at(8, day=dt.date(2030, 1, 8))
    assert ">08:00" in text(response)
    # The link leads to a booking page for that time.
    page = client.get(found[0])
    assert page.status_code == 200
    assert "08:00–08:20" in text(page)


def test_search_at_one_location_and_time_of_day(client, city):
    response = client.get(
        SEARCH,
        {"services": "anmeldung", "location": "other", "after": "2030-01-14", "time_of_day": ""},
    )
    found = links(response, "/appointments/book/")
    assert found
    for url in found:
        query = parse_qs(urlsplit(url).query)
        assert query["location"] == ["other"]
        assert dt.datetime.fromisoformat(query["start"][0]).date() >= DAY


def test_search_with_no_service_ticked_shows_the_error_summary(client, city):
    response = client.get(SEARCH, {"location": "centre"})
    assert response.status_code == 200
    page = text(response)
    assert ERROR_SUMMARY in page
    assert CORRECT_THIS in page
    assert 'href="#id_services_0"' in page
    assert not links(response, "/appointments/book/")


@pytest.mark.parametrize(
    "query",
    [
        {"services": "anmeldung", "location": "atlantis"},
        {"services": "nonsense"},
        {"services": "anmeldung", "after": "morgen"},
        {"services": "anmeldung", "time_of_day": "night"},
    ],
)
def test_search_with_bad_params_shows_errors_not_a_crash(client, city, query):
    response = client.get(SEARCH, query)
    assert response.status_code == 200
    assert ERROR_SUMMARY in text(response)


# --- booking page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/appointments/book/",
        book_url(start=None),
        book_url(location="atlantis", start=at(9)),
        book_url(services_=(), start=at(9)),
        book_url(services_=("anmeldung", "nonsense"), start=at(9)),
        "/appointments/book/?location=centre&services=anmeldung&start=soon",
    ],
)
def test_an_incomplete_booking_link_is_a_404_page(client, city, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in text(response)


def test_the_booking_page_shows_the_chosen_time(client, city):
    response = client.get(book_url(start=at(9)))
    assert response.status_code == 200
    page = text(response)
    assert "09:00–09:20" in page
    assert "Centre" in page
    assert 'name="email"' in page
    assert ERROR_SUMMARY not in page


def test_an_empty_name_and_bad_email_show_the_error_summary_and_keep_the_input(client, city):
    with unchanged(*BOOK):
        response = post_booking(client, name="", email="erika@")
    assert response.status_code == 422
    page = text(response)
    assert ERROR_SUMMARY in page
    assert CORRECT_THIS in page
    assert 'href="#id_name"' in page
    assert 'href="#id_email"' in page
    assert re.search(r'<input type="email" name="email" value="erika@"', page)
    assert 'aria-invalid="true"' in page
    assert not Appointment.objects.exists()


def test_a_valid_booking_redirects_to_the_manage_page(
    client, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(client)
    token = token_from(response)
    appointment = Appointment.objects.get()
    assert appointment.status == Status.CONFIRMED
    assert appointment.start == at(9)
    assert appointment.language == "de"
    event = appointment.events.get()
    assert (event.kind, event.actor_kind, event.actor_name) == (
        "confirmed",
        "resident",
        "erika@example.org",
    )
    assert len(mail.outbox) == 1
    assert Message.objects.get().status == "sent"
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = text(page)
    assert appointment.reference in content
    assert "<svg" in content
    assert f'href="/appointments/manage/{token}/calendar.ics"' in content
    assert f'href="/appointments/manage/{token}/move/"' in content
    assert "Erika Mustermann" in content


def test_the_calendar_download(client, city):
    booking = booked(city)
    response = client.get(f"/appointments/manage/{booking.manage_token}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert booking.appointment.reference in response["Content-Disposition"]
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body
    assert booking.appointment.reference in body
    assert "DTSTART;TZID=Europe/Berlin:20300114T090000" in body


def test_unknown_tokens_are_404_pages(client, city):
    for url in (
        "/appointments/manage/nope/",
        "/appointments/manage/nope/move/",
        "/appointments/manage/nope/calendar.ics",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Seite nicht gefunden" in text(response)
    booked(city)
    with unchanged(*BOOK):
        for url, data in (
            ("/appointments/manage/nope/", {"action": "cancel-confirmed"}),
            ("/appointments/manage/nope/", {"action": "keep"}),
            ("/appointments/manage/nope/move/", {"start": at(10).isoformat()}),
        ):
            assert client.post(url, data).status_code == 404, url


def test_a_taken_time_shows_the_conflict_and_other_times(client, city):
    booked(city, at(9), 1)
    booked(city, at(9), 2)
    with unchanged(*BOOK):
        response = post_booking(client, start=at(9))
    assert response.status_code == 409
    page = text(response)
    assert ERROR_SUMMARY in page
    alternatives = links(response, "/appointments/book/")
    assert alternatives
    starts = [
        dt.datetime.fromisoformat(parse_qs(urlsplit(url).query)["start"][0]) for url in alternatives
    ]
    assert at(9) not in starts
    assert Appointment.objects.count() == 2
    # An alternative can be booked.
    again = client.post(alternatives[0], {"name": "Erika", "email": "erika@example.org"})
    token_from(again)
    assert Appointment.objects.count() == 3


def test_a_bad_time_on_post_is_shown_not_a_crash(client, city):
    with unchanged(*BOOK):
        response = post_booking(client, start=at(9, 5))
    assert response.status_code == 422
    assert ERROR_SUMMARY in text(response)
    assert not Appointment.objects.exists()


def test_the_same_person_twice_gets_a_message(client, city):
    token_from(post_booking(client, start=at(9)))
    with unchanged(*BOOK):
        response = post_booking(client, start=at(10))
    assert response.status_code == 409
    assert ERROR_SUMMARY in text(response)
    assert Appointment.objects.count() == 1


# --- confirm, cancel, move ------------------------------------------------------------------


def test_confirming_takes_a_button_press_not_just_a_visit(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(client)
    token_from(response)
    appointment = Appointment.objects.get()
    assert appointment.status == Status.HELD
    found = re.search(r"(/appointments/confirm/[^/\s]+/)", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    url = found.group(1)

    page = client.get(url)
    assert page.status_code == 200
    assert re.search(
        r'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">'
        r'<button type="submit">',
        text(page),
    )
    with unchanged(*BOOK):
        client.get(url)
        client.head(url)
    appointment.refresh_from_db()
    assert appointment.status == Status.HELD

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url)
    assert done.status_code == 200
    assert appointment.reference in text(done)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert appointment.confirmed_at == NOW
    assert appointment.events.get(kind="confirmed").actor_kind == "resident"


def test_a_forged_or_expired_confirmation_link_shows_a_problem_page(
    client, city, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_CONFIRM_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        token_from(post_booking(client))
    url = re.search(r"(/appointments/confirm/[^/\s]+/)", mail.outbox[0].body).group(1)
    with unchanged(*BOOK):
        assert client.post("/appointments/confirm/forged/").status_code == 404
        with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
            expired = client.post(url)
    assert expired.status_code == 409
    assert "nicht rechtzeitig bestätigt" in text(expired)
    assert Appointment.objects.get().status == Status.HELD


def press_cancel(client, url):
    """The manage page's cancel button, then (if the page asks first) the confirming button."""
    page = text(client.get(url))
    action = re.search(r'name="action" value="(cancel[^"]*)"', page)
    assert action, "no cancel button"
    response = client.post(url, {"action": action.group(1)})
    steps = 1
    while response.status_code == 200 and steps < 3:  # a "really cancel?" step
        assert Appointment.objects.filter(status=Status.CANCELLED).count() == 0
        action = re.search(r'name="action" value="(cancel[^"]*)"', text(response))
        assert action, "the confirmation step has no cancel button"
        response = client.post(url, {"action": action.group(1)})
        steps += 1
    return response


def test_the_cancel_button_cancels(client, city):
    booking = booked(city)
    url = f"/appointments/manage/{booking.manage_token}/"
    response = press_cancel(client, url)
    assert response.status_code == 302
    assert response["Location"] == url
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == Status.CANCELLED
    assert not SeatClaim.objects.exists()
    after = text(client.get(url))
    assert 'name="action" value="cancel' not in after
    assert "/move/" not in after
    cancelled = booking.appointment.events.get(kind="cancelled")
    assert (cancelled.actor_kind, cancelled.actor_name) == ("resident", "person1@example.org")
    # Cancelling again neither crashes nor changes anything.
    with unchanged(*BOOK):
        for action in ("cancel", "cancel-confirmed"):
            assert client.post(url, {"action": action}).status_code in {200, 302}
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == Status.CANCELLED
    # The move page sends a cancelled appointment back.
    assert client.get(f"{url}move/")["Location"] == url


def test_a_post_without_the_cancel_action_changes_nothing(client, city):
    booking = booked(city)
    with unchanged(*BOOK):
        response = client.post(f"/appointments/manage/{booking.manage_token}/", {})
    assert response.status_code == 200
    booking.appointment.refresh_from_db()
    assert booking.appointment.status == Status.CONFIRMED


def move_links(response) -> list[dict[str, str]]:
    """The times a move page offers: each link's location and start."""
    return [
        {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}
        for href in links(response, "/appointments/manage/")
        if "start=" in href
    ]


def test_the_move_page_offers_every_location_and_moves_after_one_confirmation(client, city):
    """Issue 10.1: times at any location that offers the services (not only the booked one);
    a link asks once, the button moves; the reference stays and the old seat is freed."""
    booking = booked(city)
    url = f"/appointments/manage/{booking.manage_token}/move/"
    response = client.get(url)
    assert response.status_code == 200
    offered = move_links(response)
    assert {o["location"] for o in offered} == {"centre", "other"}
    choice = next(o for o in offered if o["location"] == "other")
    start = dt.datetime.fromisoformat(choice["start"])
    with unchanged(*BOOK):  # following the link changes nothing yet
        confirm = client.get(url, choice)
    assert confirm.status_code == 200
    page = text(confirm)
    assert "Auf diese Zeit verschieben?" in page
    assert "Other" in page
    assert 'name="location" value="other"' in page
    moved = client.post(url, choice)
    assert moved.status_code == 302
    assert moved["Location"] == f"/appointments/manage/{booking.manage_token}/"
    booking.appointment.refresh_from_db()
    assert (booking.appointment.location, booking.appointment.start) == (city.other, start)
    assert set(SeatClaim.objects.values_list("location_id", flat=True)) == {city.other.pk}
    assert "Other" in text(client.get(moved["Location"]))


def test_the_move_page_searches_like_the_search_page(client, city):
    booking = booked(city)
    url = f"/appointments/manage/{booking.manage_token}/move/"
    only_other = move_links(
        client.get(url, {"location": "other", "after": "2030-01-10", "time_of_day": "midday"})
    )
    assert only_other == []  # the locations close at 12
    later = move_links(client.get(url, {"location": "other", "after": "2030-01-10"}))
    assert later
    assert {o["location"] for o in later} == {"other"}
    assert min(dt.datetime.fromisoformat(o["start"]).date() for o in later) == dt.date(2030, 1, 10)
    # A location that does not offer the services is not offered as a choice.
    weekday_location("elsewhere", city.location.district, opens=8, closes=12)
    page = text(client.get(url))
    assert 'value="other"' in page
    assert 'value="elsewhere"' not in page
    bad = client.get(url, {"location": "elsewhere"})
    assert bad.status_code == 422
    assert ERROR_SUMMARY in text(bad)


@pytest.mark.parametrize(("start", "status"), [("", 422), ("soon", 422), (None, 409)])
def test_the_move_page_shows_problems(client, city, start, status):
    booking = booked(city)
    booked(city, at(10), 2)
    booked(city, at(10), 3)
    url = f"/appointments/manage/{booking.manage_token}/move/"
    with unchanged(*BOOK):
        response = client.post(
            url,
            {
                "location": "centre",
                "start": start if start is not None else at(10).isoformat(),
            },
        )
    assert response.status_code == status
    assert ERROR_SUMMARY in text(response)
    if status == 409:  # the next free times there, each a link to move to it
        assert move_links(response)
    booking.appointment.refresh_from_db()
    assert booking.appointment.start == at(9)


def test_a_move_to_a_location_without_the_service_is_refused_and_changes_nothing(client, city):
    booking = booked(city)
    weekday_location("elsewhere", city.location.district, opens=8, closes=12)
    url = f"/appointments/manage/{booking.manage_token}/move/"
    with unchanged(*BOOK):
        response = client.post(url, {"location": "elsewhere", "start": at(10).isoformat()})
    assert response.status_code == 422
    assert "Elsewhere bietet Folgendes nicht an: Anmeldung." in text(response)


# --- bugs found by these tests, fixed ---------------------------------------------------


def test_an_impossible_date_in_a_booking_link_is_a_404_not_a_500(city):
    client = Client(raise_request_exception=False)
    response = client.get(
        "/appointments/book/?location=centre&services=anmeldung&start=2030-02-30T09:00:00%2B01:00"
    )
    assert response.status_code == 404


def test_an_impossible_date_on_the_move_page_is_a_message_not_a_500(city):
    booking = booked(city)
    client = Client(raise_request_exception=False)
    with unchanged(*BOOK):
        response = client.post(
            f"/appointments/manage/{booking.manage_token}/move/", {"start": "2030-02-30T09:00:00"}
        )
    assert response.status_code == 422
    assert 'class="error-summary"' in text(response)
