"""The citizen's session: who is signed in to "my account" and how sure the sign-in is.

Kept apart from staff sign-in: its own session key, never `request.user`; a staff member who
is signed in stays a staff member in the same browser, and the two never see each other's
pages. Sign-in itself (e-mail link, OpenID Connect) is in accounts.citizen_signin."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from hamburg_service.accounts.models import Citizen, PersonLinkSource, TrustLevel

SESSION_KEY = "citizen"  # {"id": Citizen.pk, "trust": TrustLevel}
STAFF_SESSION_PREFIX = "_auth_user"  # Django's keys of a staff sign-in


@dataclass(frozen=True, slots=True)
class CitizenSession:
    citizen: Citizen
    trust: str  # the level of this sign-in (TrustLevel)

    def trusted(self, needed: str) -> bool:
        return TrustLevel.rank(self.trust) >= TrustLevel.rank(needed)

    @property
    def person_id(self) -> int | None:
        """The person record this sign-in acts for (prefill, "who read my data", an
        application opened with the record): the account's linked record, when the sign-in
        itself is at least substantial — or the link was confirmed by a clerk who saw the
        person and the code of this account. An e-mail link alone (a mailbox) is not enough
        for an account linked through a BundID sign-in."""
        citizen = self.citizen
        if citizen.person_id is None:
            return None
        if citizen.person_linked_by == PersonLinkSource.CLERK or self.trusted(
            TrustLevel.SUBSTANTIAL
        ):
            return citizen.person_id
        return None


def citizen_session(request: HttpRequest) -> CitizenSession | None:
    """The signed-in citizen of this request, read once per request."""
    cached = getattr(request, "_citizen_session", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found = None
    data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        citizen = Citizen.objects.filter(pk=data["id"]).first()
        if citizen is not None and data.get("trust") in TrustLevel.values:
            found = CitizenSession(citizen, str(data["trust"]))
    request._citizen_session = found  # type: ignore[attr-defined]
    return found


def citizen_of(request: HttpRequest) -> Citizen | None:
    session = citizen_session(request)
    return session.citizen if session else None


def session_start(request: HttpRequest, citizen: Citizen, trust: str) -> None:
    """Sign `citizen` in on this browser: a new session key (no fixation), the staff sign-in
    of the same browser, if any, left as it is."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"id": citizen.pk, "trust": trust}
    request._citizen_session = CitizenSession(citizen, trust)  # type: ignore[attr-defined]


def session_end(request: HttpRequest) -> None:
    """Sign the citizen out of this browser, and forget what the browser was allowed as theirs
    (drafts, receipts, status pages opened): the next person at a shared computer starts
    empty. A staff sign-in of the same browser stays."""
    for key in list(request.session.keys()):
        if not key.startswith(STAFF_SESSION_PREFIX):
            del request.session[key]
    request.session.cycle_key()
    request._citizen_session = None  # type: ignore[attr-defined]
