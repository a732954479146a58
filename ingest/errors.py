"""The one place where domain errors become HTTP answers (RFC 7807 problem documents)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from core.errors import (
    Conflict,
    DomainError,
    FileTooLarge,
    Gone,
    InvalidDocument,
    InvalidDocumentQuality,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    TooManyFiles,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS: dict[type[DomainError], int] = {
    InvalidRequest: 400,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    FileTooLarge: 413,
    TooManyFiles: 413,
    UnsupportedMediaType: 415,
    InvalidDocument: 422,
    InvalidDocumentQuality: 422,
    ServiceUnavailable: 503,
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"https://docs.botskyc.com/errors/{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
    }
    if field is not None:
        body["field"] = field
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 500)
    headers = {"Retry-After": "10" if exc.code == "OVERLOADED" else "5"} if status == 503 else None
    return problem(status, exc.code, exc.title, exc.detail, request.url.path, exc.field, headers)


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    code = {
        400: "INVALID_REQUEST",
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        413: "REQUEST_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
        429: "RATE_LIMITED",
    }.get(exc.status_code, "HTTP_ERROR")
    detail = str(exc.detail)
    if isinstance(exc, ValidationException) and exc.extra:
        detail = f"{detail}: {exc.extra}"
    return problem(
        exc.status_code,
        code,
        exc.detail if isinstance(exc, NotFoundException) else code.replace("_", " ").capitalize(),
        detail,
        request.url.path,
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(
        500,
        "INTERNAL_ERROR",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        request.url.path,
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
