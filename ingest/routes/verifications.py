"""Reading verifications: one by id, a filtered, paginated list, and the fraud heat maps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Response, get
from litestar.di import Provide
from litestar.params import Parameter

from core.domain import Status
from core.errors import InvalidRequest
from core.verification_view import render
from ingest.auth import requires
from ingest.deps import organisation_id, verification_service
from ingest.service import VerificationService

DEPS = {
    "org": Provide(organisation_id, sync_to_thread=False),
    "service": Provide(verification_service, sync_to_thread=False),
}


@get(
    "/api/v1/kyc/verifications/{verification_id:str}",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["verification"],
    summary="One verification",
)
async def get_verification(
    verification_id: str, org: str, service: VerificationService
) -> dict[str, Any]:
    return await service.get(verification_id, org)


@get(
    "/api/v1/kyc/verifications/{verification_id:str}/fraud/heatmaps/{position:int}/{page:int}"
    "/{signal:str}",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["verification"],
    summary="The heat map of a triggered fraud signal (PNG)",
    description=(
        "Where on the page a triggered pixel-forensics signal (ELA, double JPEG, noise,"
        " portrait substitution, recapture, ...) saw the evidence: a PNG the size of the"
        " analysed image, brighter where the evidence is stronger. The URL is in"
        " result.fraud.documents[].signals[].heatmapUrl; 404 when the signal did not trigger."
    ),
)
async def get_fraud_heatmap(
    verification_id: str,
    position: int,
    page: int,
    signal: str,
    org: str,
    service: VerificationService,
) -> Response[bytes]:
    png = await service.fraud_heatmap(verification_id, org, position, page, signal)
    # Evidence about a person's document: the client's reviewers only, never a shared cache.
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=0"})


@get(
    "/api/v1/kyc/verifications",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["verification"],
    summary="Verifications, newest first",
)
async def list_verifications(
    org: str,
    service: VerificationService,
    status: str | None = None,
    verification_type: Annotated[str | None, Parameter(query="verificationType")] = None,
    reference: str | None = None,
    created_from: Annotated[datetime | None, Parameter(query="createdFrom")] = None,
    created_to: Annotated[datetime | None, Parameter(query="createdTo")] = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidRequest(f"unknown status {status!r}", field="status")
    try:
        rows, next_cursor = await service.repo.search(
            org,
            status=status,
            verification_type=verification_type.upper() if verification_type else None,
            reference=reference,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=cursor,
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc), field="cursor") from None
    return {
        "object": "list",
        "data": [render(r | {"files": []}) for r in rows],
        "nextCursor": next_cursor,
        "hasMore": next_cursor is not None,
    }
