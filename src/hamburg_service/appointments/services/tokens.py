"""References and the secrets behind the links in e-mails."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from hamburg_service.appointments.models import Appointment
from hamburg_service.core.errors import NotFound

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


def manage_token_from(nonce: str) -> str:
    """The manage link's token: unguessable without SECRET_KEY, reproducible with it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"manage:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def manage_token_of(appointment: Appointment) -> str:
    if not appointment.manage_nonce:
        raise NotFound(_("This appointment has no link to manage it."), code="no-manage-link")
    return manage_token_from(appointment.manage_nonce)


def leave_token_from(nonce: str) -> str:
    """The waitlist's leave link token, derived like the manage token."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"waitlist:{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def email_normalise(email: str) -> str:
    """One person, one address: case and a '+tag' in the local part do not make a new one.
    No address stays empty (a caller booked by staff without one)."""
    if not email.strip():
        return ""
    local, _at, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def reference_new() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def reference_normalise(text: str) -> str:
    """A reference as typed or scanned ("ab12-cd34", a QR code's URL) as it is stored."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[-8:]


def link_key(reference: str) -> str:
    """The rate-limit key of requests for a reference's link."""
    return "link-ref:" + reference_normalise(reference)
