"""One error shape for the whole product.

Services raise these; the API, the widget endpoints and the HTML views turn them
into `{"error": {"code": ..., "message": ..., "fields": {...}}}` with the status here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _


class BlockdeskError(Exception):
    status = 400
    code = "bad_request"
    default_message: Any = _("The request could not be processed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationFailed(BlockdeskError):
    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> ValidationFailed:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            first = next(iter(fields.values()), [""])[0]
            return cls(first or None, fields=fields)
        return cls("; ".join(str(m) for m in exc.messages))

    @classmethod
    def field(cls, name: str, message: Any) -> ValidationFailed:
        return cls(message, fields={name: [str(message)]})


class NotFound(BlockdeskError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(BlockdeskError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Unauthenticated(BlockdeskError):
    status = 401
    code = "unauthenticated"
    default_message = _("Authentication is required.")


class Conflict(BlockdeskError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class PayloadTooLarge(BlockdeskError):
    status = 413
    code = "too_large"
    default_message = _("The upload is too large.")


class RateLimited(BlockdeskError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a moment and try again.")

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


def error_response_body(exc: BlockdeskError) -> dict[str, Any]:
    return exc.as_dict()
