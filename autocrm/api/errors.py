"""The one error shape of the API, `{"error": {"code", "message", "details"}}`, and the handlers that produce it.

Services raise `DomainError`s; FastAPI and Starlette raise their own exceptions for routing, parsing and
validation. Every one of them leaves the API as the same envelope, so clients need one error parser.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from autocrm.api.deps import verify_pending_key
from autocrm.api.routing import allowed_methods
from autocrm.core.i18n import N_, t
from autocrm.core.validation_text import validation_message
from autocrm.services.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    ValidationFailed,
)

logger = logging.getLogger("autocrm.api")

DOMAIN_ERROR_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    NotFound: 404,
    PermissionDenied: 403,
    AuthenticationFailed: 401,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
}
HTTP_STATUS_CODE_NAMES: dict[int, str] = {
    400: "bad_request",
    401: AuthenticationFailed.code,
    403: PermissionDenied.code,
    404: NotFound.code,
    405: "method_not_allowed",
    409: Conflict.code,
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: ValidationFailed.code,
    429: RateLimited.code,
    500: "internal_error",
    503: "unavailable",
}
# What the API says for a bare HTTP error (no words of its own), instead of the status's English phrase.
_STATUS_MESSAGES: dict[int, str] = {
    400: N_("The request is not valid."),
    401: N_("Sign in, or send an API key."),
    403: N_("You may not do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    413: N_("The request body is too large."),
    415: N_("This content type is not accepted here."),
    429: N_("Too many requests: wait a moment, then try again."),
    503: N_("The service is unavailable for a moment: try again shortly."),
}
# The json module's reasons (`JSONDecodeError.msg`) in the reader's language; our strict parser's own reasons
# are translated where it raises them.
_JSON_REASONS: dict[str, str] = {
    "Expecting value": N_("a value was expected"),
    "Expecting property name enclosed in double quotes": N_("a name in double quotes was expected"),
    "Expecting ',' delimiter": N_("a comma was expected"),
    "Expecting ':' delimiter": N_("a colon was expected"),
    "Unterminated string starting at": N_("a text is not closed"),
    "Invalid control character at": N_("a text holds a control character"),
    "Invalid \\escape": N_("a text holds an invalid escape"),
    "Invalid \\uXXXX escape": N_("a text holds an invalid \\u escape"),
    "Extra data": N_("more follows the end of the document"),
    "Illegal trailing comma before end of object": N_("a comma ends an object"),
    "Illegal trailing comma before end of array": N_("a comma ends a list"),
}
# The parts of a validation error's location that say where a value came from, not which field it is.
_LOCATION_SOURCES = {"body", "query", "path", "header", "cookie"}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


def error_response(
    *,
    status: int,
    code: str | None = None,
    message: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorEnvelope(
        error=ErrorDetail(
            code=code or HTTP_STATUS_CODE_NAMES.get(status, "error"),
            message=message or HTTPStatus(status).phrase,
            details=details or {},
        )
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in DOMAIN_ERROR_STATUS:
            return DOMAIN_ERROR_STATUS[cls]
    return 400


def _field_name(location: tuple[Any, ...]) -> str:
    parts = list(location)
    if len(parts) > 1 and parts[0] in _LOCATION_SOURCES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def validation_details(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Field path -> message, keyed like the services' own `field_error`s; only strings, never exceptions."""
    details: dict[str, str] = {}
    for error in errors:
        field = _field_name(tuple(error.get("loc", ())))
        message = validation_message(error)
        details[field] = f"{details[field]}; {message}" if field in details else message
    return details


async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status=status, code=exc.code, message=exc.message, details=exc.details, headers=headers)


def _json_reason(error: dict[str, Any]) -> str:
    """Why the body is not JSON, and where (the character's position, as the json module counts it)."""
    raw = str((error.get("ctx") or {}).get("error", ""))
    reason = t(_JSON_REASONS[raw]) if raw in _JSON_REASONS else raw or t("it could not be read")
    location: tuple[Any, ...] = tuple(error.get("loc") or ())
    position = location[-1] if len(location) > 1 and isinstance(location[-1], int) else None
    return reason if position is None else t("{reason} at character {position}", reason=reason, position=position + 1)


async def _request_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    try:
        # Routes look their key up only once the request is valid; a bad key still outranks bad input.
        await verify_pending_key(request)
    except AuthenticationFailed as auth_error:
        return await _domain_error(request, auth_error)
    errors = list(exc.errors())
    unparsable = [e for e in errors if e.get("type") == "json_invalid"]
    if unparsable:
        reason = _json_reason(unparsable[0])
        return error_response(
            status=400,
            code="invalid_json",
            message=t("The request body is not valid JSON: {reason}.", reason=reason),
            details={"body": reason},
        )
    details = validation_details(errors)
    return error_response(
        status=422,
        code=ValidationFailed.code,
        message=t("Some fields are not valid: {fields}.", fields=", ".join(details)),
        details=details,
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    default_phrase = HTTPStatus(exc.status_code).phrase
    message = exc.detail if isinstance(exc.detail, str) and exc.detail != default_phrase else None
    if message is None and exc.status_code in _STATUS_MESSAGES:
        message = t(_STATUS_MESSAGES[exc.status_code])
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    return error_response(status=exc.status_code, message=message, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Method and path only: bodies and query strings carry customers' personal data.
    logger.error("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(status=500, message=t("Something went wrong on our side. Try again later."))


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types every handler as taking any Exception; each of these is registered for the class it takes.
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _request_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
