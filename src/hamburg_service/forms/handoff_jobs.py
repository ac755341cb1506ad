"""The hand-offs' periodic job (registered through forms.apps: the scheduler discovers only
each app's `jobs` module, which is the drafts')."""

from __future__ import annotations

import datetime as dt

from hamburg_service.core.scheduler import job
from hamburg_service.forms.handoffs import handoffs_deliver_due


@job("forms.handoffs_deliver", every=dt.timedelta(seconds=30))
def handoffs_deliver(now: dt.datetime) -> int:
    """Hand-offs due: retries, and any whose wake-up after the submission was lost."""
    return handoffs_deliver_due(now=now)
