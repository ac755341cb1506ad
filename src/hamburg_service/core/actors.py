"""Who did something: a member of staff, a resident, or a system job. Every service takes an
`actor` and every event records it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    STAFF = "staff"
    RESIDENT = "resident"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    user: Any = None  # the staff member (accounts.User) when kind is staff
    name: str = ""  # the job's name (system) or the resident's e-mail, where known

    @classmethod
    def staff(cls, user: Any) -> Actor:
        if not getattr(user, "pk", None):
            raise ValueError("A staff actor needs a saved user.")
        return cls(ActorKind.STAFF, user, "")

    @classmethod
    def resident(cls, email: str = "") -> Actor:
        return cls(ActorKind.RESIDENT, None, email.strip().lower()[:254])

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(ActorKind.SYSTEM, None, job[:254])

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None) if self.is_staff else None

    def __str__(self) -> str:
        if self.is_staff:
            return f"staff:{self.user_id}"
        return f"{self.kind}:{self.name}" if self.name else str(self.kind)
