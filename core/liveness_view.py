"""The public JSON of a liveness session (API answers, the ``liveness.completed`` event)."""

from __future__ import annotations

from typing import Any

from core.timefmt import iso_z

MESSAGES = {
    "CREATED": "Waiting for the end-user's clip.",
    "IN_PROGRESS": "The clip is being assessed.",
    "SUCCEEDED": "A live person performed the challenge.",
    "FAILED": "The session did not show a live person performing the challenge.",
    "EXPIRED": "The session expired before a clip was uploaded.",
}


def session_links(session_id: str) -> dict[str, str]:
    base = f"/api/v1/kyc/liveness/session/{session_id}"
    return {"self": base, "upload": f"{base}/media", "results": f"{base}/results"}


def render_session(row: dict[str, Any]) -> dict[str, Any]:
    """What ``POST /liveness/session`` answers: the session and its challenge."""
    return {
        "sessionId": row["id"],
        "object": "liveness_session",
        "status": row["status"],
        "reference": row.get("reference"),
        "createdAt": iso_z(row["created_at"]),
        "expiresAt": iso_z(row["expires_at"]),
        "auditImagesLimit": row["audit_images_limit"],
        "challenge": row["challenge"],
        "links": session_links(row["id"]),
    }


def render_results(row: dict[str, Any], images: dict[str, str] | None = None) -> dict[str, Any]:
    """``GET .../results``: status, confidence, isLive, the challenge outcome per step,
    the named signals and reason codes; ``images`` (key → base64 JPEG) fills the reference
    and audit images where given (the webhook and the Kafka event carry none)."""
    result = row.get("result") or {}
    assessment = result.get("assessment") or {}
    images = images or {}
    body: dict[str, Any] = {
        "sessionId": row["id"],
        "object": "liveness_results",
        "status": row["status"],
        "reference": row.get("reference"),
        "confidence": row.get("confidence"),
        "isLive": row.get("is_live"),
        "message": MESSAGES.get(row["status"], ""),
        "createdAt": iso_z(row["created_at"]),
        "expiresAt": iso_z(row["expires_at"]),
        "completedAt": iso_z(row.get("completed_at")),
        "challenge": row["challenge"],
        "steps": assessment.get("steps", []),
        "signals": assessment.get("signals", {}),
        "reasons": assessment.get("reasons", result.get("reasons", [])),
        "links": session_links(row["id"]),
    }
    if result.get("error"):
        body["error"] = {"code": result["error"], "detail": result.get("message", "")}
    if "clip" in result:
        body["clip"] = result["clip"]
    ref = row.get("reference_image_key")
    if ref:
        body["referenceImage"] = {"mediaType": "image/jpeg", "base64": images.get(ref)}
    audit = []
    for entry in result.get("auditImages", []):
        key = entry.get("key")
        audit.append(
            {
                "frame": entry["frame"],
                "tMs": entry["tMs"],
                "mediaType": "image/jpeg",
                "base64": images.get(key) if key else None,
            }
        )
    body["auditImages"] = audit
    return body
