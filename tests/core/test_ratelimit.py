"""The client address behind proxies, and the sliding-window limits built on it."""

from __future__ import annotations

import pytest
import time_machine
from django.test import RequestFactory

from hamburg_service.core.errors import TooMany
from hamburg_service.core.ratelimit import client_address, parse_rate, rate_limit

factory = RequestFactory()


def request_from(remote: str = "10.0.0.9", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.9"),  # no proxy configured: the header is the client's word
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client wrote the first one
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, None, "10.0.0.9"),  # header missing
        (1, "", "10.0.0.9"),
        (1, "unknown", "10.0.0.9"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer hops than proxies
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (1, "203.0.113.7\x00", "10.0.0.9"),
    ],
)
def test_client_address_takes_the_right_most_hop_of_the_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    assert client_address(request_from(forwarded=forwarded)) == expected


def test_rates_are_parsed_and_nonsense_is_refused():
    assert parse_rate("120/m") == (120, 60)
    assert parse_rate("10/h") == (10, 3600)
    assert parse_rate("5/10m") == (5, 600)
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate("ten per hour")


@pytest.fixture
def limits_on(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.TRUSTED_PROXIES = 1


def test_a_new_header_per_request_does_not_bypass_the_limit_behind_a_proxy(limits_on):
    with time_machine.travel("2030-01-14 09:00:00+00:00", tick=False):
        for n in range(3):
            rate_limit(request_from(forwarded=f"1.2.3.{n}, 203.0.113.7"), group="t", rate="3/m")
        with pytest.raises(TooMany) as refused:
            rate_limit(request_from(forwarded="9.9.9.9, 203.0.113.7"), group="t", rate="3/m")
    assert refused.value.code == "rate-limited"
    # Next window the three still weigh in: a third of it must pass first (60 s + 20 s).
    assert refused.value.retry_after == 80


def test_the_window_slides_and_the_wait_is_said_in_minutes(limits_on):
    with time_machine.travel("2030-01-14 09:00:00+00:00", tick=False) as clock:
        for _ in range(10):
            rate_limit(request_from(forwarded="203.0.113.7"), group="b", rate="10/h")
        clock.move_to("2030-01-14 10:30:00+00:00")  # half of the last hour still counts: 5
        for _ in range(5):
            rate_limit(request_from(forwarded="203.0.113.7"), group="b", rate="10/h")
        with pytest.raises(TooMany) as refused:
            rate_limit(request_from(forwarded="203.0.113.7"), group="b", rate="10/h")
        assert refused.value.retry_after == 360  # until enough of the old hour has faded
        assert "in 6 Minuten noch einmal oder rufen Sie die 115 an" in refused.value.detail
        # Another client behind the same proxy is not affected.
        rate_limit(request_from(forwarded="198.51.100.4"), group="b", rate="10/h")
        clock.move_to("2030-01-14 10:36:01+00:00")
        rate_limit(request_from(forwarded="203.0.113.7"), group="b", rate="10/h")
