"""The published public QR keys (docs/documents.md): `/.well-known/hamburg-service-keys.json`,
the JWK Set of `signing.jwks()` that apps and anyone else verify QR codes with, offline."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from hamburg_service.core.signing import jwks

MEDIA_TYPE = "application/jwk-set+json"
# Keys change seldom (a rotation adds one): an hour in caches is soon enough for a new key.
MAX_AGE = 3600


@require_safe
def key_set(request: HttpRequest) -> HttpResponse:
    """The key set, cacheable (public, an hour, with an ETag), readable from any origin."""
    body = json.dumps(jwks(), separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response: HttpResponse
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=MEDIA_TYPE)
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
