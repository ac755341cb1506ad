"""An appointment from a case (Terminangebot): where a step needs the applicant in the office
(fingerprints and photo, handing over the card, an identity check) the caseworker offers a
window of days; the applicant chooses a free time at a location offering the service through
a link. The appointment is booked in the one appointment book on the channel `case`:
confirmed at once, free of the per-address limits of online booking and not counted towards
them, and it may use the staff share of a day's capacity (docs/cases.md, "Appointments from a
case")."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.appointments import availability
from hamburg_service.appointments.models import ACTIVE, Channel
from hamburg_service.appointments.services.booking import Booking, Slot, appointment_book
from hamburg_service.appointments.services.rules import PersonInput
from hamburg_service.cases import request_mails
from hamburg_service.cases.links import APPOINTMENT, link_token
from hamburg_service.cases.models import FINAL, AppointmentOffer, Case, CaseEventKind
from hamburg_service.cases.services.common import lock_case, require_worker
from hamburg_service.cases.services.requests import link_invalid
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Access, Location, Service
from hamburg_service.catalog.selectors import locations_offering
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.db import write_transaction
from hamburg_service.core.errors import Conflict, InvalidInput
from hamburg_service.core.events import event_record
from hamburg_service.core.tokens import token_hash
from hamburg_service.people.checks import text_clean, today_in_hamburg

OFFER_MIN_DAYS = 1  # from tomorrow: online booking starts then
OFFER_MAX_DAYS = 60
PURPOSE_MAX = 200
TIMES_SHOWN = 400  # a day's times at every location offering the service


def offer_services(agency: str) -> QuerySet[Service]:
    """The services an offer may be for: of the case's agency, booked on site by appointment,
    and offered at some active location."""
    return (
        Service.objects.filter(
            agency=agency,
            is_active=True,
            access__in=[Access.APPOINTMENT, Access.BOTH],
            channel__in=["on_site", "both"],
            locations__is_active=True,
        )
        .distinct()
        .order_by("name_de")
    )


def _window_clean(
    window_from: dt.date | None, window_until: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    first, last = (
        today + dt.timedelta(days=OFFER_MIN_DAYS),
        today + dt.timedelta(days=OFFER_MAX_DAYS),
    )
    if window_from is None:
        raise InvalidInput.field("window_from", _("Enter the first day."), code="window-missing")
    if window_until is None:
        raise InvalidInput.field("window_until", _("Enter the last day."), code="window-missing")
    if not first <= window_from <= last:
        raise InvalidInput.field(
            "window_from",
            _("The first day must lie between %(first)s and %(last)s.")
            % {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y")},
            code="window-outside",
        )
    if window_until < window_from:
        raise InvalidInput.field(
            "window_until",
            _("The last day cannot be before the first."),
            code="window-reversed",
        )
    if window_until > last:
        raise InvalidInput.field(
            "window_until",
            _("The last day can be at most %(days)d days ahead (%(last)s).")
            % {"days": OFFER_MAX_DAYS, "last": last.strftime("%d.%m.%Y")},
            code="window-outside",
        )
    return window_from, window_until


def appointment_offer_create(
    *,
    case: Case,
    service: Service,
    purpose: str,
    window_from: dt.date | None,
    window_until: dt.date | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[AppointmentOffer, str]:
    """Offer the applicant an appointment for `service` between the two days (from tomorrow,
    at most OFFER_MAX_DAYS ahead). Returns the offer and its link's token (the e-mail carries
    the link; without an address the caseworker sends the letter by post). The case's status
    and clock do not change."""
    now = now_or(now)
    today = today_in_hamburg(now)
    purpose = text_clean(purpose, field="purpose", max_length=PURPOSE_MAX)
    first, last = _window_clean(window_from, window_until, today)
    with write_transaction():
        case = lock_case(case)
        require_worker(actor, case)
        if case.status in FINAL:
            raise Conflict(
                _("This case is closed: it offers no appointments any more."), code="case-closed"
            )
        if not offer_services(case.case_type.agency).filter(pk=service.pk).exists():
            raise InvalidInput.field(
                "service",
                _("%(name)s cannot be booked as an appointment at any location.")
                % {"name": service.name},
                code="not-bookable",
            )
        nonce = secrets.token_hex(16)
        token = link_token(nonce, APPOINTMENT)
        offer = AppointmentOffer.objects.create(
            case=case,
            service=service,
            purpose=purpose,
            window_from=first,
            window_until=last,
            link_nonce=nonce,
            token_hash=token_hash(token),
            created_at=now,
        )
        event_record(
            case,
            kind=CaseEventKind.APPOINTMENT_OFFERED,
            actor=actor,
            at=now,
            data={
                "offer": offer.pk,
                "service": service.slug,
                "purpose": purpose,
                "from": first.isoformat(),
                "until": last.isoformat(),
                "by_post": not case.applicant_email,
            },
        )
        if case.applicant_email:
            request_mails.offer_mail_queue(offer, now=now)
    return offer, token


def offer_is_open(offer: AppointmentOffer, *, today: dt.date) -> bool:
    """The applicant may still choose: not withdrawn, the window not over, the case not closed,
    and no appointment booked that still stands (after a cancellation they may choose again)."""
    booked = offer.appointment
    return (
        offer.withdrawn_at is None
        and today <= offer.window_until
        and offer.case.status not in FINAL
        and (booked is None or booked.status not in ACTIVE)
    )


def appointment_offer_open(*, token: str, now: dt.datetime | None = None) -> AppointmentOffer:
    """The offer of a link while the applicant may still choose; the same NotFound for an
    unknown, used or expired link."""
    offer = (
        AppointmentOffer.objects.select_related("case", "case__case_type", "service", "appointment")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if offer is None or not token or not offer_is_open(offer, today=today_in_hamburg(now_or(now))):
        raise link_invalid()
    return offer


@dataclass(frozen=True, slots=True)
class OfferTime:
    location: Location
    start: dt.datetime  # in Berlin time

    @property
    def value(self) -> str:
        return f"{self.location.slug}|{self.start.isoformat()}"


def _days(offer: AppointmentOffer, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The offer's window as far as the appointment book takes bookings now."""
    first, last = availability.booking_window([offer.service], today_in_hamburg(now))
    return max(first, offer.window_from), min(last, offer.window_until)


def offer_locations(offer: AppointmentOffer) -> list[Location]:
    return locations_offering([offer.service])


def offer_days(offer: AppointmentOffer, now: dt.datetime | None = None) -> list[dt.date]:
    """The days of the window the applicant may still choose from."""
    first, last = _days(offer, now_or(now))
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def offer_times(
    *,
    offer: AppointmentOffer,
    now: dt.datetime | None = None,
    location: Location | None = None,
    day: dt.date | None = None,
    limit: int = TIMES_SHOWN,
) -> list[OfferTime]:
    """The earliest free times within the window (or on one of its days) at the locations
    offering the service (or at one)."""
    now = now_or(now)
    first, last = _days(offer, now)
    if day is not None:
        if not first <= day <= last:
            return []
        first = last = day
    places = [location] if location is not None else offer_locations(offer)
    by_pk = {p.pk: p for p in places}
    found = availability.free_times(
        locations=places,
        services=[offer.service],
        start=first,
        end=last,
        channel=Channel.CASE,
        limit=limit,
        now=now,
    )
    return [OfferTime(by_pk[f.location_id], f.start.astimezone(hours.BERLIN)) for f in found]


def appointment_offer_book(
    *,
    offer: AppointmentOffer,
    location: Location,
    start: dt.datetime,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Booking:
    """Book the chosen time for the case: within the offer's window, at a location offering
    the service, confirmed at once (the confirmation e-mail of the appointment book goes to
    the applicant's address, if any). Refused alike when the link is no longer valid; a time
    taken meanwhile is a Conflict with the next free times."""
    now = now_or(now)
    today = today_in_hamburg(now)
    with write_transaction():
        locked = (
            AppointmentOffer.objects.select_for_update(of=("self",))
            .select_related("case", "case__case_type", "service", "appointment")
            .filter(pk=offer.pk)
            .first()
        )
        if locked is None or not offer_is_open(locked, today=today):
            raise link_invalid()
        offer = locked
        day = today_in_hamburg(start) if timezone.is_aware(start) else None
        if day is None or not offer.window_from <= day <= offer.window_until:
            raise InvalidInput.field(
                "time",
                _("Please choose a time between %(first)s and %(last)s.")
                % {
                    "first": offer.window_from.strftime("%d.%m.%Y"),
                    "last": offer.window_until.strftime("%d.%m.%Y"),
                },
                code="outside-offer-window",
            )
        case = offer.case
        booking = appointment_book(
            slot=Slot.of(location, [offer.service], start),
            person=PersonInput(
                name=case.applicant_name[:150],
                email=case.applicant_email,
                language=case.language,
            ),
            actor=actor,
            channel=Channel.CASE,
            now=now,
        )
        appointment = booking.appointment
        offer.appointment = appointment
        offer.booked_at = now
        offer.save(update_fields=["appointment", "booked_at"])
        event_record(
            case,
            kind=CaseEventKind.APPOINTMENT_BOOKED,
            actor=actor,
            at=now,
            data={
                "offer": offer.pk,
                "appointment": appointment.reference,
                "location": location.slug,
                "start": appointment.start.isoformat(),
            },
        )
    return booking
