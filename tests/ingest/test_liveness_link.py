"""A liveness session linked to an identity verification (form field ``livenessSessionId``).

Through the real API, liveness processor, pipeline and Triton. The attack clip
(a still photo shaken before the camera) fails liveness reliably, so the test
does not depend on the detector's genuine-clip error rate.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from models.doctypes import DocumentType
from models.liveness.challenge import Challenge
from tests.fixtures.documents import document
from tests.fixtures.pipeline import Harness
from tools.livegen import encode_mp4, session

pytestmark = pytest.mark.integration


def _identity(harness: Harness, card: bytes, **fields: str) -> Any:
    with harness.client() as c:
        return c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("card.jpg", card, "image/jpeg")},
            data=fields,
            headers={"Prefer": "respond-async"},
        )


def test_a_failed_liveness_session_linked_to_a_verification_is_a_failed_check(
    harness: Harness,
) -> None:
    card, _ = document(DocumentType.NATIONAL_ID_FRONT, seed=7_300_020)
    with harness.client() as c:
        created = c.post("/api/v1/kyc/liveness/session", json={}).json()
    sid = created["sessionId"]

    # Not this organisation's (or no such) session, not finished, or not identity: 4xx.
    unknown = _identity(harness, card, livenessSessionId="lvs_doesnotexist")
    assert unknown.status_code == 400 and unknown.json()["field"] == "livenessSessionId"
    early = _identity(harness, card, livenessSessionId=sid)
    assert early.status_code == 409 and early.json()["code"] == "LIVENESS_NOT_FINISHED"
    with harness.client() as c:
        wrong = c.post(
            "/api/v1/kyc/verify/address",
            files={"documents": ("bill.jpg", card, "image/jpeg")},
            data={"livenessSessionId": sid},
        )
    assert wrong.status_code == 400 and wrong.json()["field"] == "livenessSessionId"

    clip = session("still_photo", 12, Challenge.from_dict(created["challenge"]))
    with harness.client() as c:
        c.post(
            f"/api/v1/kyc/liveness/session/{sid}/media",
            files={"video": ("clip.mp4", encode_mp4(clip.images), "video/mp4")},
            headers={"Prefer": "wait=0"},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = c.get(f"/api/v1/kyc/liveness/session/{sid}/results").json()
            if done["status"] in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(0.5)
    assert done["status"] == "FAILED"

    resp = _identity(harness, card, livenessSessionId=sid)
    assert resp.status_code == 202, resp.text
    vid = resp.json()["id"]
    harness.wait_finished([vid])
    with harness.client() as c:
        body = c.get(f"/api/v1/kyc/verifications/{vid}").json()
    check = body["result"]["liveness"]
    assert check["name"] == "LIVENESS" and check["sessionId"] == sid
    assert check["status"] == "fail" and check["isLive"] is False
    assert "LIVENESS_FAILED" in check["reasons"]
    assert "LIVENESS_FAILED" in body["result"]["decisionReasons"]
    assert body["decision"] in ("REVIEW", "DECLINED")
    # The session's reference image was compared with the card's portrait.
    compared = [
        c for c in body["result"]["face"]["comparisons"] if c["selfie"]["role"] == "liveness"
    ]
    assert compared or "LIVENESS_FACE_NOT_COMPARED" in check["reasons"]
