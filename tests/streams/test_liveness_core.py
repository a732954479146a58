"""The liveness processor's pure core: what is stored for Triton's answer."""

from __future__ import annotations

import base64

from streams.liveness import outcome_of


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_an_error_answer_fails_the_session_with_its_code() -> None:
    out = outcome_of({"error": "VIDEO_TOO_SHORT", "message": "0.4 s"}, "liveness/o/s")
    assert out.status == "FAILED" and out.is_live is False and out.confidence == 0
    assert out.result["error"] == "VIDEO_TOO_SHORT" and out.images == {}


def test_an_assessment_stores_its_images_under_the_session() -> None:
    answer = {
        "assessment": {"status": "SUCCEEDED", "isLive": True, "confidence": 88, "steps": []},
        "clip": {"frames": 45},
        "referenceImage": _b64(b"ref-jpeg"),
        "auditImages": [
            {"frame": 3, "tMs": 200.0, "image": _b64(b"a3")},
            {"frame": 30, "tMs": 2000.0, "image": _b64(b"a30")},
        ],
    }
    out = outcome_of(answer, "liveness/org_1/lvs_1")
    assert (out.status, out.is_live, out.confidence) == ("SUCCEEDED", True, 88)
    assert out.reference_key == "liveness/org_1/lvs_1/reference.jpg"
    assert out.images[out.reference_key] == b"ref-jpeg"
    assert out.audit_keys == [
        "liveness/org_1/lvs_1/audit-0003.jpg",
        "liveness/org_1/lvs_1/audit-0030.jpg",
    ]
    assert out.images[out.audit_keys[1]] == b"a30"
    # The stored result names the images by key, never carries their bytes.
    assert out.result["auditImages"][0] == {"frame": 3, "tMs": 200.0, "key": out.audit_keys[0]}
    assert "referenceImage" not in out.result
