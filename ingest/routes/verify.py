"""``POST /api/v1/kyc/verify/{category}``: submit documents for verification."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException

from core.domain import Category
from core.errors import FileTooLarge, InvalidRequest, ServiceUnavailable, TooManyFiles
from core.telemetry import current_traceparent, span
from core.verification_view import location
from ingest.auth import received_at, requires
from ingest.deps import organisation_id, verification_service
from ingest.service import Prefer, VerificationService
from ingest.uploads import parse_multipart

# Bytes of an over-limit body we still read (and discard) so that clients that
# do not wait for an early answer receive the 413 instead of a reset connection.
DRAIN_LIMIT = 512 * 1024 * 1024


async def _drain(stream: AsyncIterator[bytes]) -> None:
    """Read the rest of a body the parser gave up on (the same iterator: a body streams once)."""
    seen = 0
    with contextlib.suppress(Exception):
        async for chunk in stream:
            seen += len(chunk)
            if seen > DRAIN_LIMIT:
                break


@post(
    "/api/v1/kyc/verify/{category:str}",
    dependencies={
        "org": Provide(organisation_id, sync_to_thread=False),
        "service": Provide(verification_service, sync_to_thread=False),
    },
    summary="Submit documents for verification",
    description=(
        "multipart/form-data: `documents` (1 to 10 files: JPEG, PNG, WebP, TIFF or PDF), "
        "optional `selfie` (identity), `livenessSessionId` (identity: a finished liveness "
        "session whose live face is compared with the document and whose outcome is a check), "
        "`reference`, `metadata` (JSON object; `deviceId` and `ipAddress` feed velocity "
        "checks), `webhookUrl`. "
        "Synchronous by default: answers 200 with the finished verification, or 202 when the "
        "deadline (Prefer: wait=N, at most 30 s) passes first. Prefer: respond-async or a "
        "webhookUrl answers 202 at once. Idempotency-Key makes retries safe."
    ),
    tags=["verification"],
    status_code=200,
    guards=[requires("verify:write")],
)
async def verify(
    request: Request[Any, Any, State],
    category: str,
    org: str,
    service: VerificationService,
) -> Response[dict[str, Any]]:
    arrived = received_at(request)  # the synchronous deadline counts from here
    routes = [c for c in Category if c is not Category.FACE]
    try:
        cat = Category(category)
    except ValueError:
        cat = None
    if cat is None or cat is Category.FACE:
        raise InvalidRequest(
            f"unknown category {category!r}; one of {', '.join(c.value for c in routes)}"
            + (" (faces: POST /api/v1/kyc/face/compare)" if cat is Category.FACE else ""),
            field="category",
        )
    return await submit(request, cat, org, service, arrived)


@post(
    "/api/v1/kyc/extract",
    dependencies={
        "org": Provide(organisation_id, sync_to_thread=False),
        "service": Provide(verification_service, sync_to_thread=False),
    },
    summary="Extract the data of documents (no decision)",
    description=(
        "The same upload as /verify/auto (multipart `documents`, optional `documentType`, "
        "`reference`, `metadata`, Prefer, Idempotency-Key); the documents go through the same "
        "pipeline (OCR, classification, extraction) and the answer carries only what was "
        "read: per document its type, `extractedData`, every field with value, normalised "
        "value, confidence, source and box, the MRZ, and the validation checks. 202 with a "
        "Location (the verification) when the deadline passes first."
    ),
    tags=["verification"],
    status_code=200,
    guards=[requires("verify:write")],
)
async def extract(
    request: Request[Any, Any, State], org: str, service: VerificationService
) -> Response[dict[str, Any]]:
    arrived = received_at(request)
    response = await submit(request, Category.AUTO, org, service, arrived)
    if response.status_code != 200:
        return response
    return Response(
        extraction_view(response.content),
        status_code=200,
        headers=dict(response.headers),
    )


# The checks that are about the data, not about the image or the route.
_DATA_CHECKS_EXCLUDED = frozenset({"DOCUMENT_READABLE", "IMAGE_QUALITY", "DOCUMENT_TYPE"})


def extraction_view(body: dict[str, Any]) -> dict[str, Any]:
    """The data part of a finished verification body (``POST /extract``'s answer)."""
    documents = []
    for doc in (body.get("result") or {}).get("documents", []):
        documents.append(
            {
                k: v
                for k, v in {
                    "position": doc.get("position"),
                    "page": doc.get("page"),
                    "documentType": doc.get("documentType"),
                    "documentSide": doc.get("documentSide"),
                    "confidence": doc.get("confidence"),
                    "extractedData": doc.get("extractedData", {}),
                    "fields": doc.get("fields", {}),
                    "mrz": doc.get("mrz"),
                    "barcodes": doc.get("barcodes"),
                    "checks": [
                        c for c in doc.get("checks", []) if c["name"] not in _DATA_CHECKS_EXCLUDED
                    ],
                }.items()
                if v is not None
            }
        )
    return {
        "id": body["id"],
        "object": "extraction",
        "status": body["status"],
        "documents": documents,
        "crossDocumentChecks": (body.get("result") or {}).get("crossDocumentChecks", []),
        "metrics": body.get("metrics", {}),
    }


async def submit(
    request: Request[Any, Any, State],
    cat: Category,
    org: str,
    service: VerificationService,
    received_at: float,
    file_fields: frozenset[str] = frozenset({"documents", "selfie"}),
) -> Response[dict[str, Any]]:
    settings = service.settings.api
    prefer = Prefer.parse(request.headers.get("prefer"), settings.sync_wait_max_s)
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 255):
        raise InvalidRequest("Idempotency-Key must be 1 to 255 characters", field="Idempotency-Key")
    stream = request.stream()
    overloaded = request.app.state.load.overloaded
    if overloaded is not None:
        await _drain(stream)
        raise ServiceUnavailable(f"overloaded: {overloaded}; retry later", code="OVERLOADED")
    try:
        form = await parse_multipart(
            request.headers.get("content-type", ""),
            stream,
            file_fields=set(file_fields),
            max_files=settings.max_files,
            max_file_bytes=settings.max_file_bytes,
        )
    except (FileTooLarge, TooManyFiles):
        await _drain(stream)
        raise
    except HTTPException as exc:
        if exc.status_code != 413:
            raise
        # The declared Content-Length alone is over the outer bound.
        raise FileTooLarge(
            f"request body is larger than {settings.max_files} files of "
            f"{settings.max_file_bytes} bytes",
            field="documents",
        ) from None
    try:
        with span("verify.submit", headers=dict(request.headers), category=cat.value):
            outcome = await service.submit(
                cat,
                form,
                organisation_id=org,
                idempotency_key=key,
                prefer=prefer,
                traceparent=current_traceparent(),
                received_at=received_at,
            )
    finally:
        form.close()
    headers = {"Location": location(outcome.verification_id)}
    if outcome.status_code == 202 and prefer.respond_async:
        headers["Preference-Applied"] = "respond-async"
    return Response(outcome.body, status_code=outcome.status_code, headers=headers)
