"""The one application error type. Each error carries a domain code (`slot-taken`,
`quota-used-up`, …): the API serves it as the RFC 9457 problem type, the pages show its message
(`core.pages`). Services raise these; nothing else decides how a refusal looks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROBLEM_TYPE_BASE = "https://service.hamburg.example/problems/"


class AppError(Exception):
    status = 400
    default_code = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.title = title
        self.errors = errors or []
        self.extra = extra or {}

    def default_title(self) -> str:
        return _("The request could not be processed.")

    @property
    def problem_type(self) -> str:
        return PROBLEM_TYPE_BASE + self.code


class NotFound(AppError):
    status = 404
    default_code = "not-found"

    def default_title(self) -> str:
        return _("Not found.")


class InvalidInput(AppError):
    """422: names every field that needs correcting."""

    status = 422
    default_code = "invalid-input"

    def default_title(self) -> str:
        return _("Some of the information needs correcting.")

    @classmethod
    def field(cls, field: str, message: str, *, code: str | None = None) -> InvalidInput:
        """One field's error, as forms and the API show it."""
        return cls(message, code=code, errors=[{"field": field, "message": message}])

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
    default_code = "forbidden"

    def default_title(self) -> str:
        return _("You are not allowed to do this.")


class Conflict(AppError):
    status = 409
    default_code = "conflict"

    def default_title(self) -> str:
        return _("This conflicts with the current state.")


class TooMany(AppError):
    """429: a limit was reached; `retry_after` says in how many seconds to try again."""

    status = 429
    default_code = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after

    def default_title(self) -> str:
        return _("Too many requests.")


class TooLarge(AppError):
    """413: the request body is larger than the limit."""

    status = 413
    default_code = "too-large"

    def default_title(self) -> str:
        return _("The request is too large.")


class UnsupportedMediaType(AppError):
    """415: the body is not of the media type the operation reads (JSON)."""

    status = 415
    default_code = "unsupported-media-type"

    def default_title(self) -> str:
        return _("The request body must be JSON.")


class Unavailable(AppError):
    """503: something this request needs (the database) does not answer; try again later."""

    status = 503
    default_code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int = 30, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after

    def default_title(self) -> str:
        return _("The service is briefly unavailable.")


def out_of_range() -> InvalidInput:
    """What an OverflowError anywhere in a request means: a number (a huge id) or a date (year
    9999 plus a day) that no query or calendar can hold — the sender's mistake, not ours."""
    return InvalidInput(_("A number or date in the request is out of range."), code="out-of-range")
