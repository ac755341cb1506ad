from __future__ import annotations

from typing import Any

from hamburg_service.accounts.models import AccessLog


def access_log_record(*, actor: Any, what: str, scope: str, purpose: str = "") -> None:
    """Record that `actor` read personal data (never the data itself)."""
    AccessLog.objects.create(actor=actor, what=what[:100], scope=scope[:200], purpose=purpose[:200])
