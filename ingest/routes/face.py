"""``POST /api/v1/kyc/face/compare``: is the person in the selfie the person in the reference?"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import Provide

from core.domain import Category
from ingest.auth import received_at, requires
from ingest.deps import organisation_id, verification_service
from ingest.routes.verify import submit
from ingest.service import VerificationService


@post(
    "/api/v1/kyc/face/compare",
    dependencies={
        "org": Provide(organisation_id, sync_to_thread=False),
        "service": Provide(verification_service, sync_to_thread=False),
    },
    summary="Compare the face of a selfie with a reference (a document or a portrait)",
    description=(
        "multipart/form-data: `image` (the reference: an identity document whose portrait is "
        "used, or a portrait photo) and `selfie`, each JPEG, PNG, WebP or TIFF; optional "
        "`reference`, `metadata`, `webhookUrl`; Prefer and Idempotency-Key as for /verify. "
        "The answer: `similarity` 0-100, `match` (similarity >= `threshold`, 90), the face "
        "boxes and reason codes (NO_FACE_A/B, MULTIPLE_FACES_A/B, FACE_TOO_SMALL_A/B, "
        "FACE_ROTATED_A/B; A is the reference, B the selfie). The comparison runs through the "
        "pipeline as a verification (`id`), like every other check."
    ),
    tags=["face"],
    status_code=200,
    guards=[requires("verify:write")],
)
async def compare(
    request: Request[Any, Any, State], org: str, service: VerificationService
) -> Response[dict[str, Any]]:
    arrived = received_at(request)
    response = await submit(
        request,
        Category.FACE,
        org,
        service,
        arrived,
        file_fields=frozenset({"image", "selfie"}),
    )
    if response.status_code != 200:
        return response
    return Response(
        comparison_view(response.content), status_code=200, headers=dict(response.headers)
    )


def comparison_view(body: dict[str, Any]) -> dict[str, Any]:
    """The face part of a finished verification body (``POST /face/compare``'s answer)."""
    result = body.get("result") or {}
    face = result.get("face") or {}
    match = result.get("faceMatch") or {}  # the FACE_MATCH check: status and reason codes
    portrait: dict[str, Any] = next(iter(face.get("portraits", [])), {})
    return {
        "id": body["id"],
        "object": "face_comparison",
        "status": body["status"],
        "decision": body.get("decision"),
        "similarity": match.get("similarity"),
        "match": match.get("match"),
        "threshold": match.get("threshold"),
        "reasons": match.get("reasons", []),
        "referenceFace": {"box": portrait.get("box"), "rotation": portrait.get("rotation")},
        "metrics": body.get("metrics", {}),
    }
