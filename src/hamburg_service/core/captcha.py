"""Proof-of-work captcha (ALTCHA protocol, v1): the browser spends a moment of computing before
it may book, which costs a person nothing and a bot farm a lot. No tracking, no third party.

The challenge is signed with a key derived from SECRET_KEY and expires; a solved challenge is
accepted once (its signature is remembered in the shared cache until it expires).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from hamburg_service.core.errors import InvalidInput


def _key() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"altcha-captcha", hashlib.sha256).hexdigest()


def captcha_challenge() -> dict[str, object]:
    expires = timezone.now() + dt.timedelta(minutes=settings.CAPTCHA_EXPIRES_MINUTES)
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=_key(), max_number=settings.CAPTCHA_MAX_NUMBER, expires=expires
        )
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


def captcha_verify(payload: str) -> None:
    """Accept a solved challenge once; raise InvalidInput naming `captcha` otherwise."""
    if not settings.CAPTCHA_ENABLED:
        return
    message = _(
        "The automatic check that you are a person did not succeed. Please reload the page and "
        "try again, or call 115."
    )
    try:
        ok, _error = altcha.verify_solution_v1(payload or "", _key(), check_expires=True)
        signature = altcha.PayloadV1.from_base64(payload).signature if ok else ""
    except Exception:  # any malformed payload is simply a failed check
        ok, signature = False, ""
    if not ok or not cache.add(
        f"captcha-used:{signature}", 1, timeout=settings.CAPTCHA_EXPIRES_MINUTES * 60 + 60
    ):
        raise InvalidInput(message, errors=[{"field": "captcha", "message": message}])
