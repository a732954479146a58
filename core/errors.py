"""Typed domain errors. Each carries a stable machine-readable code.

The ingest API maps them to HTTP in one place (``ingest/errors.py``); the
pipeline uses the same codes in results. Codes are part of the public API:
never rename one.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is stable, ``field`` names the offending input if any."""

    code = "INTERNAL_ERROR"
    title = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code


class InvalidRequest(DomainError):
    """The request is malformed (missing field, bad value)."""

    code = "INVALID_REQUEST"
    title = "Invalid request"


class UnsupportedMediaType(DomainError):
    """The file's bytes are not one of the accepted formats."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    title = "Unsupported media type"


class FileTooLarge(DomainError):
    """A file is larger than the configured limit."""

    code = "FILE_TOO_LARGE"
    title = "File too large"


class TooManyFiles(DomainError):
    """More files than a verification accepts."""

    code = "TOO_MANY_FILES"
    title = "Too many files"


class InvalidDocument(DomainError):
    """A file has an accepted type but cannot be a usable document (corrupt, empty, bomb...)."""

    code = "INVALID_DOCUMENT"
    title = "Invalid document"


class InvalidDocumentQuality(DomainError):
    """The document is readable in principle but its image is unusable."""

    code = "INVALID_DOCUMENT_QUALITY"
    title = "Invalid document quality"


class NotFound(DomainError):
    """No such resource (for this caller)."""

    code = "NOT_FOUND"
    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with an earlier one (an Idempotency-Key reused with another body)."""

    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Conflict"


class Gone(DomainError):
    """The resource existed but can no longer be used (an expired liveness session)."""

    code = "GONE"
    title = "Gone"


class ServiceUnavailable(DomainError):
    """A dependency is down; the client may retry later."""

    code = "SERVICE_UNAVAILABLE"
    title = "Service unavailable"
