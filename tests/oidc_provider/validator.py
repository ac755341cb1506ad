"""The provider's claims: each user's configured claims (OIDC_TEST_USERS), `acr` included."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    # `acr` goes into every ID token; the rest by scope as the standard says.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "acr": "openid"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = settings.OIDC_TEST_USERS.get(request.user.get_username(), {})
        return dict(user.get("claims", {}))
