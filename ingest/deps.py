"""Per-request dependencies: the caller's organisation and the services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from ingest.service import VerificationService

# Authentication and tenancy arrive with API clients (OAuth2, API keys); until
# then every request belongs to the single default organisation.
DEFAULT_ORGANISATION = "default"


def organisation_id(request: Request[Any, Any, Any]) -> str:
    """The organisation the caller acts for."""
    return DEFAULT_ORGANISATION


def verification_service(state: State) -> VerificationService:
    """The service built at start-up."""
    service: VerificationService = state.verification_service
    return service
