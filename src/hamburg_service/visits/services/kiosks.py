"""Ticket machines (kiosk devices): set up with a key shown once, checked on every ticket a
kiosk draws, revoked when a device is lost or replaced."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.catalog.models import Location
from hamburg_service.core.actors import Actor
from hamburg_service.core.errors import Conflict, Forbidden, InvalidInput
from hamburg_service.core.tokens import token_hash
from hamburg_service.visits.models import KioskDevice


def kiosk_device_create(
    *, location: Location, name: str, actor: Actor, now: dt.datetime | None = None
) -> tuple[KioskDevice, str]:
    """A new ticket machine for `location`; returns it and its key (shown once, never
    stored)."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise InvalidInput.field("name", _("Give the ticket machine a name."))
    key = secrets.token_urlsafe(24)
    with transaction.atomic():
        device = KioskDevice.objects.create(
            location=location,
            name=name[:60],
            key_hash=token_hash(key),
            created_at=now,
            created_by=actor.user,
        )
    return device, key


def kiosk_device_revoke(
    *, device: KioskDevice, actor: Actor, now: dt.datetime | None = None
) -> KioskDevice:
    now = now or timezone.now()
    with transaction.atomic():
        revoked = KioskDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.user
        )
        if not revoked:
            raise Conflict(_("This ticket machine is already revoked."), code="kiosk-revoked")
    device.refresh_from_db()
    return device


def kiosk_device_check(
    *, location: Location, key: str, now: dt.datetime | None = None
) -> KioskDevice:
    """The active device of `location` with this key; Forbidden otherwise."""
    device = (
        KioskDevice.objects.filter(
            location=location, key_hash=token_hash(key), revoked_at__isnull=True
        ).first()
        if key
        else None
    )
    if device is None:
        raise Forbidden(
            _(
                "This screen is not set up as a ticket machine of this location. Please ask "
                "the staff at the front desk."
            ),
            code="kiosk-key-missing",
        )
    now = now or timezone.now()
    # Marked at most once a minute: a busy kiosk should not write on every ticket.
    if device.last_used_at is None or now - device.last_used_at > dt.timedelta(minutes=1):
        KioskDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    return device
