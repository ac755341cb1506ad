"""Citizen sign-in for "my account": the e-mail link and OpenID Connect (docs/citizen-sign-in.md).

The e-mail link is single use and short-lived (CITIZEN_SIGNIN_LINK_MINUTES); only the hash of
its token is stored, and the e-mail that carries it is sent by the portal (this app lies below
notifications). Asking for a link costs the same and answers the same whether or not an
account exists for the address: the account is created when the link is used. An OpenID
Connect sign-in (accounts.oidc) finds the account by its identity (issuer and subject) and
keeps the level of trust the provider vouches for (`acr`, mapped by CITIZEN_OIDC_ACR).

Never Django's `login()`: the session is accounts.citizens.session_start's, beside any staff
sign-in of the same browser."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from hamburg_service.accounts.models import (
    Citizen,
    CitizenEventKind,
    CitizenIdentity,
    SignInLink,
    TrustLevel,
)
from hamburg_service.core.actors import Actor
from hamburg_service.core.dates import now_or
from hamburg_service.core.errors import InvalidInput, NotFound, TooMany
from hamburg_service.core.events import event_record
from hamburg_service.core.text import text_refused
from hamburg_service.core.tokens import token_hash

NEXT_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254


def next_path_clean(value: str | None) -> str:
    """`value` if it is a path on this site ("/online/…"), else "" (go to the account). A
    full address, a scheme-relative "//host", a backslash or a control character is never
    followed: the sign-in must not become an open redirect."""
    path = (value or "").strip()
    if (
        not path
        or len(path) > NEXT_MAX_LENGTH
        or not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or text_refused(path)
        or any(ord(c) < 32 or c.isspace() for c in path)
    ):
        return ""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return ""
    return path


def email_clean(value: str) -> str:
    email = (value or "").strip()
    if not email or len(email) > EMAIL_MAX_LENGTH or "@" not in email or text_refused(email):
        raise InvalidInput.field(
            "email", _("Please enter a valid e-mail address."), code="email-invalid"
        )
    return email


def _signin_link_refused() -> NotFound:
    return NotFound(
        _(
            "This sign-in link is not valid (any more): it was used already, it has expired or "
            "it is not complete. Please ask for a new one."
        ),
        code="signin-link-invalid",
    )


def signin_link_create(*, email: str, next_path: str = "", now: dt.datetime | None = None) -> str:
    """A new sign-in link for `email`; returns the raw token (for the e-mail only — the
    database keeps its hash). At most CITIZEN_SIGNIN_LINKS_PER_HOUR per address (TooMany)."""
    now = now_or(now)
    email = email_clean(email)
    key = email.lower()
    per_hour = settings.CITIZEN_SIGNIN_LINKS_PER_HOUR
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        recent = SignInLink.objects.filter(
            email=key, created_at__gt=now - dt.timedelta(hours=1)
        ).count()
        if recent >= per_hour:
            raise TooMany(
                ngettext(
                    "A sign-in link was sent to this address %(count)d time in the last hour. "
                    "Please use the newest one, or try again later.",
                    "Sign-in links were sent to this address %(count)d times in the last hour. "
                    "Please use the newest one, or try again later.",
                    recent,
                )
                % {"count": recent},
                code="signin-links-used-up",
                retry_after=3600,
            )
        SignInLink.objects.create(
            token_hash=token_hash(token),
            email=key,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=settings.CITIZEN_SIGNIN_LINK_MINUTES),
            next_path=next_path_clean(next_path),
        )
    return token


def signin_link_check(*, token: str, now: dt.datetime | None = None) -> SignInLink:
    """The link of `token` if it can still be used (for the confirm page; nothing changes)."""
    now = now_or(now)
    link = (
        SignInLink.objects.filter(token_hash=token_hash(token or "")).first()
        if 0 < len(token or "") <= 100
        else None
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise _signin_link_refused()
    return link


def _citizen_for_email(email: str, now: dt.datetime, actor: Actor) -> tuple[Citizen, bool]:
    key = email.lower()
    citizen = Citizen.objects.filter(email_key=key).first()
    if citizen is not None:
        return citizen, False
    try:
        with transaction.atomic():
            citizen = Citizen.objects.create(
                public_id=uuid.uuid4(),
                email=email,
                email_key=key,
                language=_language(),
                created_at=now,
            )
    except IntegrityError:  # the same address signed in twice at once: the other one won
        return Citizen.objects.get(email_key=key), False
    event_record(citizen, kind=CitizenEventKind.CREATED, actor=actor, at=now, data={"by": "email"})
    return citizen, True


def _language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in ("de", "en") else "de"


def signin_link_use(*, token: str, now: dt.datetime | None = None) -> tuple[Citizen, str]:
    """Use a sign-in link: the account of its address (created on first use) and where to
    go next. Used, expired and unknown links are refused alike (NotFound)."""
    now = now_or(now)
    if not 0 < len(token or "") <= 100:
        raise _signin_link_refused()
    with transaction.atomic():
        link = SignInLink.objects.select_for_update().filter(token_hash=token_hash(token)).first()
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise _signin_link_refused()
        used = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
        if not used:  # a second request with the same link got here first
            raise _signin_link_refused()
        actor = Actor.resident(link.email)
        citizen, _created = _citizen_for_email(link.email, now, actor)
        citizen.last_sign_in_at = now
        citizen.save(update_fields=["last_sign_in_at"])
        event_record(
            citizen,
            kind=CitizenEventKind.SIGNED_IN,
            actor=actor,
            at=now,
            data={"method": "email", "trust": TrustLevel.BASIC},
        )
    return citizen, link.next_path


def trust_from_acr(acr: Any) -> str:
    """The trust level an OpenID Connect provider's `acr` stands for (CITIZEN_OIDC_ACR);
    an unknown or missing value is basic — never more than the provider vouched for."""
    mapping = settings.CITIZEN_OIDC_ACR or {}
    level = mapping.get(acr) if isinstance(acr, str) else None
    return level if level in TrustLevel.values else TrustLevel.BASIC


def _verified_email(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    verified = claims.get("email_verified")
    if verified in (True, "true") and isinstance(email, str):
        try:
            return email_clean(email)
        except InvalidInput:
            return ""
    return ""


def citizen_from_oidc(
    *,
    issuer: str,
    subject: str,
    claims: dict[str, Any],
    trust: str,
    now: dt.datetime | None = None,
) -> Citizen:
    """The account of an OpenID Connect identity (`issuer`, `subject`), validated by the OIDC
    client: found by the identity; else — only where CITIZEN_OIDC_TRUST_EMAIL says the
    provider really checks e-mail addresses — the account of the same verified address; else
    a new account. A provider's e-mail claim alone never opens an existing account: a
    provider that does not check addresses would hand out other people's accounts. The
    identity keeps the trust level of its latest sign-in. Two first sign-ins of one identity
    at once give one account (the second finds the first's)."""
    now = now_or(now)
    if trust not in TrustLevel.values:
        raise ValueError(f"Unknown trust level {trust!r}")
    if not issuer or not subject or len(issuer) > 300 or len(subject) > 255:
        raise InvalidInput(_("The sign-in service sent an incomplete answer."), code="oidc-claims")
    email = _verified_email(claims)
    try:
        return _citizen_from_oidc(issuer, subject, email, trust, now)
    except IntegrityError:  # the same identity (or address) created at the same moment
        return _citizen_from_oidc(issuer, subject, email, trust, now)


def _citizen_from_oidc(
    issuer: str, subject: str, email: str, trust: str, now: dt.datetime
) -> Citizen:
    actor = Actor.resident(email)
    with transaction.atomic():
        identity = (
            CitizenIdentity.objects.select_for_update()
            .select_related("citizen")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is not None:
            citizen = identity.citizen
            identity.trust_level = trust
            identity.last_used_at = now
            identity.save(update_fields=["trust_level", "last_used_at"])
        else:
            same_mailbox = (
                Citizen.objects.filter(email_key=email.lower()).first()
                if email and settings.CITIZEN_OIDC_TRUST_EMAIL
                else None
            )
            if same_mailbox is not None:
                citizen = same_mailbox
            else:
                address_free = bool(email) and not (
                    Citizen.objects.filter(email_key=email.lower()).exists()
                )
                citizen = Citizen.objects.create(
                    public_id=uuid.uuid4(),
                    email=email,
                    email_key=email.lower() if address_free else None,
                    language=_language(),
                    created_at=now,
                )
                event_record(
                    citizen,
                    kind=CitizenEventKind.CREATED,
                    actor=actor,
                    at=now,
                    data={"by": "oidc", "issuer": issuer},
                )
            CitizenIdentity.objects.create(
                citizen=citizen,
                issuer=issuer,
                subject=subject,
                trust_level=trust,
                created_at=now,
                last_used_at=now,
            )
        if email and not citizen.email:
            taken = Citizen.objects.filter(email_key=email.lower()).exclude(pk=citizen.pk).exists()
            if not taken:
                citizen.email, citizen.email_key = email, email.lower()
        citizen.last_sign_in_at = now
        citizen.save(update_fields=["email", "email_key", "last_sign_in_at"])
        event_record(
            citizen,
            kind=CitizenEventKind.SIGNED_IN,
            actor=actor,
            at=now,
            data={"method": "oidc", "issuer": issuer, "trust": trust},
        )
    return citizen


def citizen_signed_out(*, citizen: Citizen, now: dt.datetime | None = None) -> None:
    """Record a sign-out (the session itself is ended by accounts.citizens.session_end)."""
    now = now_or(now)
    event_record(
        citizen, kind=CitizenEventKind.SIGNED_OUT, actor=Actor.resident(citizen.email), at=now
    )
