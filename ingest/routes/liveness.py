"""``/api/v1/kyc/liveness/session``: create a session, upload its clip once, read the results."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide

from core.errors import InvalidRequest
from ingest.auth import requires
from ingest.deps import organisation_id
from ingest.liveness import LivenessService
from ingest.service import Prefer
from ingest.uploads import parse_multipart


def liveness_service(state: State) -> LivenessService:
    service: LivenessService = state.liveness_service
    return service


DEPS = {
    "org": Provide(organisation_id, sync_to_thread=False),
    "liveness": Provide(liveness_service, sync_to_thread=False),
}


@post(
    "/api/v1/kyc/liveness/session",
    dependencies=DEPS,
    guards=[requires("verify:write")],
    tags=["liveness"],
    status_code=201,
    summary="Create a liveness session with a server-chosen challenge",
    description=(
        "JSON body (all optional): `auditImagesLimit` (0-10, default 4), `expiresInSeconds` "
        "(default 600), `steps` (2-4 challenge steps, default 3), `reference`, `webhookUrl`. "
        "Answers the session id, status CREATED, expiry and the challenge the end-user must "
        "perform (a random order of head turns, blinks, coming closer)."
    ),
)
async def create_session(
    request: Request[Any, Any, State], org: str, liveness: LivenessService
) -> Response[dict[str, Any]]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        raise InvalidRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    session = await liveness.create(org, body)
    return Response(session, status_code=201, headers={"Location": session["links"]["self"]})


@post(
    "/api/v1/kyc/liveness/session/{session_id:str}/media",
    dependencies=DEPS,
    guards=[requires("verify:write")],
    tags=["liveness"],
    status_code=202,
    summary="Upload the end-user's clip (once): a video, or timed still frames",
    description=(
        "multipart/form-data: `video` (one MP4 or WebM file, at most 10 s), or `frames` "
        "(JPEG/PNG stills) with `timestamps` (a JSON list of milliseconds, one per frame). "
        "202 IN_PROGRESS; with `Prefer: wait=N` (at most 30 s) 200 with the results when "
        "they are ready in time. 409 SESSION_ALREADY_USED, 410 SESSION_EXPIRED."
    ),
)
async def upload_media(
    request: Request[Any, Any, State], session_id: str, org: str, liveness: LivenessService
) -> Response[dict[str, Any]]:
    cfg = liveness.settings
    prefer = Prefer.parse(request.headers.get("prefer"), cfg.api.sync_wait_max_s)
    form = await parse_multipart(
        request.headers.get("content-type", ""),
        request.stream(),
        file_fields={"video", "frames"},
        max_files=cfg.liveness.max_frames,
        max_file_bytes=cfg.liveness.max_clip_bytes,
    )
    try:
        status, body = await liveness.upload(org, session_id, form, prefer.wait_s)
    finally:
        form.close()
    return Response(body, status_code=status, headers={"Location": body["links"]["results"]})


@get(
    "/api/v1/kyc/liveness/session/{session_id:str}/results",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["liveness"],
    summary="The session's status and, once assessed, its results",
    description=(
        "status (CREATED, IN_PROGRESS, SUCCEEDED, FAILED, EXPIRED), confidence 0-100, isLive, "
        "the challenge outcome per step, every presentation-attack signal with its score and "
        "threshold, reason codes, the reference image and up to auditImagesLimit audit images "
        "(base64 JPEG)."
    ),
)
async def session_results(session_id: str, org: str, liveness: LivenessService) -> dict[str, Any]:
    return await liveness.results(org, session_id)


ROUTES = [create_session, upload_media, session_results]
