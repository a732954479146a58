"""Per-request dependencies: the caller's organisation and the services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from ingest.auth import principal_of
from ingest.service import VerificationService


def organisation_id(request: Request[Any, Any, Any]) -> str:
    """The organisation the caller acts for: every read and write is scoped to it."""
    return principal_of(request).organisation_id


def verification_service(state: State) -> VerificationService:
    """The service built at start-up."""
    service: VerificationService = state.verification_service
    return service
