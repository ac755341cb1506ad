"""The one application error type, rendered as RFC 9457 problem details by the API and as a
friendly message by the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class AppError(Exception):
    status = 400
    kind = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.title = title
        self.errors = errors or []
        self.extra = extra or {}

    def default_title(self) -> str:
        return _("The request could not be processed.")


class NotFound(AppError):
    status = 404
    kind = "not-found"

    def default_title(self) -> str:
        return _("Not found.")


class InvalidInput(AppError):
    """422: names every field that needs correcting."""

    status = 422
    kind = "invalid-input"

    def default_title(self) -> str:
        return _("Some of the information needs correcting.")

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> InvalidInput:
        errors: list[dict[str, str]] = []
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    errors.append({"field": field, "message": message})
        else:
            errors = [{"field": "", "message": m} for m in error.messages]
        return cls("; ".join(e["message"] for e in errors), errors=errors)


class Forbidden(AppError):
    status = 403
    kind = "forbidden"

    def default_title(self) -> str:
        return _("You are not allowed to do this.")


class Conflict(AppError):
    status = 409
    kind = "conflict"

    def default_title(self) -> str:
        return _("This conflicts with the current state.")


class TooMany(AppError):
    """429: a limit was reached; `retry_after` says in how many seconds to try again."""

    status = 429
    kind = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after

    def default_title(self) -> str:
        return _("Too many requests.")
