"""``/api/v1/kyc/batches``: submit many verifications at once, follow them, download results."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import Provide

from core.errors import InvalidRequest, NotFound, ServiceUnavailable
from core.telemetry import current_traceparent, span
from core.verification_view import render, render_batch
from ingest.auth import requires
from ingest.batches import BatchService
from ingest.deps import organisation_id
from ingest.uploads import parse_multipart


def batch_service(state: State) -> BatchService:
    service: BatchService = state.batch_service
    return service


DEPS = {
    "org": Provide(organisation_id, sync_to_thread=False),
    "batches": Provide(batch_service, sync_to_thread=False),
}


@post(
    "/api/v1/kyc/batches",
    dependencies=DEPS,
    guards=[requires("verify:write")],
    tags=["batches"],
    status_code=202,
    summary="Many verifications in one multipart request (manifest + files)",
)
async def submit_batch(
    request: Request[Any, Any, State], org: str, batches: BatchService
) -> Response[dict[str, Any]]:
    api = batches.v.settings.api
    if request.app.state.load.overloaded is not None:
        raise ServiceUnavailable(
            f"overloaded: {request.app.state.load.overloaded}", code="OVERLOADED"
        )
    form = await parse_multipart(
        request.headers.get("content-type", ""),
        request.stream(),
        file_fields={"files"},
        max_files=api.max_batch_files,
        max_file_bytes=api.max_file_bytes,
    )
    try:
        with span("batch.submit", headers=dict(request.headers)):
            body = await batches.submit(
                form, organisation_id=org, traceparent=current_traceparent()
            )
    finally:
        form.close()
    return Response(body, status_code=202, headers={"Location": body["links"]["self"]})


async def _batch(batches: BatchService, org: str, batch_id: str) -> dict[str, Any]:
    batch = await batches.batches.get(org, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


@get(
    "/api/v1/kyc/batches/{batch_id:str}",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["batches"],
    summary="A batch with its counts per status",
)
async def get_batch(batch_id: str, org: str, batches: BatchService) -> dict[str, Any]:
    return render_batch(await _batch(batches, org, batch_id))


CSV_COLUMNS = [
    "id",
    "reference",
    "status",
    "decision",
    "verificationType",
    "documentsFound",
    "totalDocuments",
    "processingTimeMs",
    "createdAt",
    "completedAt",
    "errorCode",
]


@get(
    "/api/v1/kyc/batches/{batch_id:str}/results",
    dependencies=DEPS,
    guards=[requires("verify:read")],
    tags=["batches"],
    summary="Every verification of the batch: JSON Lines (default) or CSV (?format=csv)",
)
async def batch_results(
    batch_id: str, org: str, batches: BatchService, format: str = "jsonl"
) -> Response[bytes]:
    await _batch(batches, org, batch_id)
    rows = [render(r | {"files": []}) for r in await batches.batches.verifications(org, batch_id)]
    if format == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
        return Response(
            data,
            media_type="application/x-ndjson",
            headers={"Content-Disposition": f'attachment; filename="{batch_id}.jsonl"'},
        )
    if format != "csv":
        raise InvalidRequest("format is jsonl or csv", field="format")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for r in rows:
        result = r.get("result") or {}
        writer.writerow(
            {
                "id": r["id"],
                "reference": r.get("reference"),
                "status": r["status"],
                "decision": r.get("decision"),
                "verificationType": r["verificationType"],
                "documentsFound": result.get("documentsFound"),
                "totalDocuments": result.get("totalDocuments"),
                "processingTimeMs": r.get("metrics", {}).get("processingTimeMs"),
                "createdAt": r["createdAt"],
                "completedAt": r.get("completedAt"),
                "errorCode": (r.get("error") or {}).get("code"),
            }
        )
    return Response(
        out.getvalue().encode(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{batch_id}.csv"'},
    )


ROUTES = [submit_batch, get_batch, batch_results]
