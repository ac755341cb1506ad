"""Reads of the appointment book shared by staff pages and background work."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.accounts.access import access_record, has_perm
from hamburg_service.accounts.models import AccessPurpose, DataCategory
from hamburg_service.accounts.permissions import Perm
from hamburg_service.appointments.models import ACTIVE, Appointment, Status, WaitlistEntry
from hamburg_service.appointments.services.tokens import email_normalise
from hamburg_service.catalog import hours
from hamburg_service.catalog.models import Closure, Location
from hamburg_service.catalog.places import ResolvedPlace
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import DATE_MAX
from hamburg_service.core.errors import NotFound
from hamburg_service.core.tokens import token_hash


def appointment_by_token(*, token: str) -> Appointment:
    """The appointment a manage link is for; NotFound for a wrong or incomplete link."""
    appointment = (
        Appointment.objects.select_related("location", "location__district")
        .filter(manage_token_hash=token_hash(token))
        .first()
    )
    if appointment is None or not token:
        raise NotFound(
            _("This link is not valid. Please check that you copied all of it."),
            code="link-invalid",
        )
    return appointment


def waitlist_entry_by_token(*, token: str) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(leave_token_hash=token_hash(token)).first()
    if entry is None or not token:
        raise NotFound(_("This link is not valid."), code="link-invalid")
    return entry


def closure_hits(
    *,
    now: dt.datetime | None = None,
    location: Location | None = None,
    closure: Closure | None = None,
    only_untold: bool = False,
) -> list[tuple[Appointment, Closure]]:
    """Active future appointments that a closure (whole location or their counter) covers,
    each with the first closure covering it: two queries, the closures and the appointments at
    their locations from now on."""
    now = now or timezone.now()
    today = now.astimezone(hours.BERLIN).date()
    query = Closure.objects.filter(end_date__gte=today)
    if location is not None:
        query = query.filter(location=location)
    if closure is not None:
        query = query.filter(pk=closure.pk)
    closures = list(query.prefetch_related("counters").order_by("start_date", "pk"))
    if not closures:
        return []
    # Bounded: a closure stored before dates were checked may run to 9999-12-31.
    last_day = min(max(c.end_date for c in closures), DATE_MAX)
    candidates = Appointment.objects.filter(
        location_id__in={c.location_id for c in closures},
        status__in=ACTIVE,
        start__gte=now,
        start__lt=hours.local_datetime(last_day + dt.timedelta(days=1), 0),
    ).select_related("counter")
    if only_untold:
        candidates = candidates.filter(closure_notified_at__isnull=True)
    by_location: dict[int, list[Closure]] = {}
    for item in closures:
        by_location.setdefault(item.location_id, []).append(item)
    hits = []
    for appointment in candidates:
        covering = next(
            (c for c in by_location[appointment.location_id] if _covers(c, appointment)), None
        )
        if covering is not None:
            hits.append((appointment, covering))
    return sorted(hits, key=lambda hit: (hit[0].start, hit[0].pk))


def appointments_hit_by_closures(
    *, now: dt.datetime | None = None, location: Location | None = None, only_untold: bool = False
) -> list[Appointment]:
    """The appointments of `closure_hits`."""
    return [a for a, _c in closure_hits(now=now, location=location, only_untold=only_untold)]


def closure_hits_for(
    *, location: Location, actor: Actor, closure: Closure | None = None
) -> list[tuple[Appointment, Closure]]:
    """`closure_hits` of a location (or one closure of it) for staff, who move the people:
    the read of their names and contacts is logged."""
    hits = closure_hits(location=location, closure=closure)
    if not hits and closure is None:  # nothing shown: nothing to log on every day view
        return hits
    access_record(
        actor=actor,
        subject_type="appointment_list",
        subject_ref=f"{location.slug} closure {closure.pk if closure else 'all'}",
        purpose=AccessPurpose.CLOSURE,
        categories=(DataCategory.NAME, DataCategory.CONTACT, DataCategory.APPOINTMENT),
        location=location,
        hits=len(hits),
    )
    return hits


def closure_of(appointment: Appointment) -> Closure | None:
    """The closure that covers this appointment, if one does (its page says to move it)."""
    if not appointment.is_active:
        return None
    local = appointment.start.astimezone(hours.BERLIN).date()
    closures = Closure.objects.filter(
        location_id=appointment.location_id, start_date__lte=local, end_date__gte=local
    ).prefetch_related("counters")
    return next((c for c in closures if _covers(c, appointment)), None)


def _covers(closure: Closure, appointment: Appointment) -> bool:
    counters = {c.pk for c in closure.counters.all()}
    if counters and appointment.counter_id not in counters:
        return False
    start = appointment.start.astimezone(hours.BERLIN)
    if not closure.start_date <= start.date() <= closure.end_date:
        return False
    if closure.start_time is None or closure.end_time is None:
        return True
    end = appointment.end.astimezone(hours.BERLIN)
    opens = dt.datetime.combine(start.date(), closure.start_time, tzinfo=hours.BERLIN)
    closes = dt.datetime.combine(start.date(), closure.end_time, tzinfo=hours.BERLIN)
    return start < closes and end > opens


def appointments_of_days(
    *,
    location: Location,
    first_day: dt.date,
    days: int,
    actor: Actor,
    purpose: AccessPurpose,
    with_tickets: bool = False,
) -> list[Appointment]:
    """A location's appointments on `days` days from `first_day` (names and contacts: the
    read is logged with its purpose). Three queries whatever the number of appointments."""
    first, _ = hours.day_bounds(first_day)
    _, last = hours.day_bounds(first_day + dt.timedelta(days=days - 1))
    rows = (
        Appointment.objects.filter(location=location, start__gte=first, start__lt=last)
        .select_related("counter", *(["ticket"] if with_tickets else []))
        .prefetch_related("services")
        # counters in their natural order, as everywhere ("Platz 2" before "Platz 10")
        .order_by("start", Length("counter__name"), "counter__name", "pk")
    )
    if with_tickets:
        rows = rows.exclude(status=Status.EXPIRED)
    found = list(rows)
    access_record(
        actor=actor,
        subject_type="appointment_list",
        subject_ref=f"{location.slug} {first_day.isoformat()} +{days}d",
        purpose=purpose,
        categories=(DataCategory.NAME, DataCategory.CONTACT, DataCategory.APPOINTMENT),
        location=location,
        hits=len(found),
    )
    return found


def appointment_for(
    *, reference: str, actor: Actor, perm: Perm, purpose: AccessPurpose
) -> Appointment:
    """An appointment by its reference for a member of staff allowed `perm` at its location;
    one they may not see answers exactly like one that does not exist. The read is logged."""
    appointment = (
        Appointment.objects.select_related("location", "counter")
        .prefetch_related("services")
        .filter(reference=reference.strip().upper()[:12])
        .first()
    )
    if appointment is None or not has_perm(actor.user, perm, appointment.location):
        raise NotFound(_("There is no appointment with this reference."), code="reference-unknown")
    access_record(
        actor=actor,
        subject_type="appointment",
        subject_ref=appointment.reference,
        purpose=purpose,
        categories=(
            DataCategory.NAME,
            DataCategory.CONTACT,
            DataCategory.APPOINTMENT,
            DataCategory.HISTORY,
        ),
        location=appointment.location,
        case_reference=appointment.reference,
    )
    return appointment


def appointments_find(
    *, location: Location, text: str, actor: Actor, limit: int = 50
) -> list[Appointment]:
    """Appointments at `location` by reference, part of the name or the e-mail, for staff
    finding a caller's booking; the search is logged with its criteria and hits."""
    text = text.strip()
    found = list(
        Appointment.objects.filter(location=location)
        .filter(
            Q(reference__iexact=text.replace("-", "").replace(" ", ""))
            | Q(name__icontains=text)
            | Q(email_normalised__iexact=email_normalise(text))
        )
        .order_by("-start")[:limit]
    )
    access_record(
        actor=actor,
        subject_type="appointment_search",
        subject_ref=location.slug,
        purpose=AccessPurpose.FIND_FOR_CALLER,
        categories=(DataCategory.NAME, DataCategory.CONTACT, DataCategory.APPOINTMENT),
        location=location,
        criteria={"text_length": len(text)},
        hits=len(found),
    )
    return found


NEAREST_DEFAULT = 5
"""How many nearest locations a search "near" a place looks at, unless asked otherwise."""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty for "which centre is nearest"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def locations_near(
    locations: Sequence[Location], *, place: ResolvedPlace, count: int = NEAREST_DEFAULT
) -> tuple[list[Location], dict[int, float]]:
    """Of `locations`, the `count` nearest to `place`, nearest first, and each one's distance
    in km rounded to 100 m (by location pk), as the search page and the API show them."""
    ranked = sorted(
        (
            (
                loc,
                distance_km(
                    place.latitude, place.longitude, float(loc.latitude), float(loc.longitude)
                ),
            )
            for loc in locations
        ),
        key=lambda pair: pair[1],
    )[:count]
    return [loc for loc, _km in ranked], {loc.pk: round(km, 1) for loc, km in ranked}
