"""The public shape of a verification (REST body, webhook and Kafka payloads).

One renderer for every channel, so that a client sees the same document from
GET, from the synchronous answer and from the completion event. camelCase,
as the existing customer API. Fields a stage has not produced are absent.
"""

from __future__ import annotations

from typing import Any

from core.timefmt import iso_z


def location(verification_id: str) -> str:
    """Where the verification can be read."""
    return f"/api/v1/kyc/verifications/{verification_id}"


def render(row: dict[str, Any]) -> dict[str, Any]:
    """The verification row (as the repository returns it) as the public body."""
    body: dict[str, Any] = {
        "id": row["id"],
        "object": "verification",
        "verificationType": row["verification_type"],
        "requestedType": row["requested_type"].upper(),
        "status": row["status"],
        "createdAt": iso_z(row["created_at"]),
        "updatedAt": iso_z(row["updated_at"]),
        "timestamp": iso_z(row["updated_at"]),
        "links": {"self": location(row["id"])},
    }
    if row.get("reference") is not None:
        body["reference"] = row["reference"]
    if row.get("metadata"):
        body["metadata"] = row["metadata"]
    if row.get("decision") is not None:
        body["decision"] = row["decision"]
    if row.get("completed_at") is not None:
        body["completedAt"] = iso_z(row["completed_at"])
    metrics = dict(row.get("metrics") or {})
    metrics.setdefault("totalFiles", row["total_files"])
    metrics.setdefault("processingMode", "batch" if row["total_files"] > 1 else "single")
    body["metrics"] = metrics
    if row.get("result") is not None:
        body["result"] = row["result"]
    if row.get("error") is not None:
        body["error"] = row["error"]
    return body


def render_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """The public shape of a batch (``BatchRepository.get`` row with ``counts``)."""
    counts = {
        s: int(batch.get("counts", {}).get(s, 0))
        for s in ("received", "processing", "completed", "failed")
    }
    body: dict[str, Any] = {
        "id": batch["id"],
        "object": "batch",
        "status": batch["status"],
        "totalItems": batch["total"],
        "counts": counts,
        "createdAt": iso_z(batch["created_at"]),
        "links": {
            "self": f"/api/v1/kyc/batches/{batch['id']}",
            "results": f"/api/v1/kyc/batches/{batch['id']}/results",
        },
    }
    if batch.get("reference") is not None:
        body["reference"] = batch["reference"]
    if batch.get("completed_at") is not None:
        body["completedAt"] = iso_z(batch["completed_at"])
    return body
