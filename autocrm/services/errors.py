"""Domain errors. Adapters map `code` to an HTTP status or a UI message; nothing else leaks."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class AuthenticationFailed(DomainError):
    code = "unauthenticated"


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    code = "rate_limited"


class Unavailable(DomainError):
    """Something the desk relies on (the LLM provider) cannot answer now; trying later may work."""

    code = "unavailable"


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: message})
