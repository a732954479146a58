"""Fraud through the real API, pipeline, Triton (``document_forensics``), PostgreSQL and MinIO.

Each test works in an organisation of its own (provisioned on the shared
harness), so repeat-fraud memory, velocity and risk policies of one test
never reach another.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import cv2
import numpy as np
import pytest

from models.doctypes import DocumentType
from tests.fixtures.documents import document
from tests.fixtures.pipeline import Harness
from tools.tampergen import iter_set
from tools.tampergen.exif import CameraExif, build_exif, with_exif

pytestmark = pytest.mark.integration

SEED = 7_300_001  # a card no other test submits


def _org(harness: Harness) -> str:
    return harness.new_organisation("fraud test")


def _verify(harness: Harness, key: str, jpeg: bytes, reference: str) -> dict[str, Any]:
    with harness.client(api_key=key) as c:
        resp = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("card.jpg", jpeg, "image/jpeg")},
            data={"reference": reference},
            headers={"Prefer": "respond-async"},
        )
        assert resp.status_code == 202, resp.text
        location = resp.headers["location"]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            got: dict[str, Any] = c.get(location).json()
            if got["status"] in ("completed", "failed"):
                return got
            time.sleep(0.3)
    raise AssertionError("verification did not finish in 90 s")


def _rephotographed(jpeg: bytes) -> bytes:
    """The same card captured again: a slight turn, other light, another JPEG."""
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 1.5, 1.0)
    img = cv2.warpAffine(img, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    img = cv2.convertScaleAbs(img, alpha=0.92, beta=12)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 84])
    assert ok
    return bytes(buf.tobytes())


def test_a_card_reused_under_another_account_is_flagged(harness: Harness) -> None:
    key = _org(harness)
    card, _ = document(DocumentType.NATIONAL_ID_FRONT, seed=SEED)
    first = _verify(harness, key, card, "account-a")
    assert first["status"] == "completed"
    assert "DOCUMENT_REUSED" not in first["result"]["decisionReasons"]
    again = _verify(harness, key, _rephotographed(card), "account-b")
    # The default policy sends it to a reviewer (one person may hold two accounts);
    # an organisation that wants it declined weighs document_reuse higher.
    assert again["decision"] in ("REVIEW", "DECLINED")
    assert again["result"]["decisionReasons"][0] == "DOCUMENT_REUSED"
    reuse = next(
        s for s in again["result"]["fraud"]["repeatFraud"] if s["name"] == "document_reuse"
    )
    assert reuse["triggered"] and reuse["details"]["matches"][0]["verificationId"] == first["id"]
    # account-a again: its own earlier check is a repeat, not fraud; account-b's is reuse.
    third = _verify(harness, key, _rephotographed(card), "account-a")
    reuse3 = next(
        s for s in third["result"]["fraud"]["repeatFraud"] if s["name"] == "document_reuse"
    )
    assert [m["verificationId"] for m in reuse3["details"]["sameIdentityRepeats"]] == [first["id"]]
    assert [m["verificationId"] for m in reuse3["details"]["matches"]] == [again["id"]]


def _edited(jpeg: bytes) -> bytes:
    taken = dt.datetime.now() - dt.timedelta(days=3)
    cam = CameraExif(make="samsung", model="SM-A155F", software="GIMP 2.10.38", taken=taken)
    return with_exif(jpeg, build_exif(cam))


def test_editing_software_is_named_and_a_policy_version_decides(harness: Harness) -> None:
    key = _org(harness)
    card, _ = document(DocumentType.NATIONAL_ID_FRONT, seed=SEED + 1)
    edited = _edited(card)
    got = _verify(harness, key, edited, "cust-1")
    assert "EDITED_WITH_SOFTWARE" in got["result"]["decisionReasons"]
    assert got["decision"] == "REVIEW"  # the default policy: strong, not decisive alone
    exif = next(
        s for s in got["result"]["fraud"]["documents"][0]["signals"] if s["name"] == "exif_software"
    )
    assert exif["triggered"] and "gimp" in str(exif["details"]).lower()

    with harness.client(api_key=key) as c:
        # Before changing anything: what would a stricter policy have done to this traffic?
        same = c.post("/api/v1/kyc/risk-policy/simulate", json={}).json()
        assert same["verifications"] == 1 and same["changed"] == 0  # re-scoring is exact
        assert same["transitions"]["review"]["review"] == 1
        stricter = {"weights": {"exif_software": 100}}
        sim = c.post("/api/v1/kyc/risk-policy/simulate", json=stricter)
        assert sim.status_code == 200, sim.text
        body = sim.json()
        assert body["transitions"]["review"]["decline"] == 1 and body["changed"] == 1
        (change,) = body["changes"]
        assert change["verificationId"] == got["id"]
        assert (
            change["recorded"]["policyVersion"] == got["result"]["fraud"]["risk"]["policyVersion"]
        )
        assert change["candidate"]["reasonCodes"][0] == "EDITED_WITH_SOFTWARE"
        bad = c.post("/api/v1/kyc/risk-policy/simulate", json={"limit": 0})
        assert bad.status_code == 400 and bad.json()["field"] == "limit"
        assert c.get("/api/v1/kyc/risk-policy").json()["default"] is True  # stored nothing
    default_version = got["result"]["fraud"]["risk"]["policyVersion"]

    with harness.client(api_key=key) as c:
        current = c.get("/api/v1/kyc/risk-policy").json()
        assert current["default"] is True and current["policyVersion"] == default_version
        bad = c.put("/api/v1/kyc/risk-policy", json={"weights": {"exif_sofware": 100}})
        assert bad.status_code == 400 and "exif_sofware" in bad.json()["detail"]
        bad = c.put("/api/v1/kyc/risk-policy", json={"bands": {"approveMax": 80, "reviewMax": 50}})
        assert bad.status_code == 400
        bad = c.put("/api/v1/kyc/risk-policy", json={"graded": {"signals": ["local_edit"]}})
        assert bad.status_code == 400 and "local_edit" in bad.json()["detail"]
        bad = c.put("/api/v1/kyc/risk-policy", json={"graded": {"share": 0.9}})
        assert bad.status_code == 400
        bad = c.put("/api/v1/kyc/risk-policy", json={"bands": "strict"})  # was a 500
        assert bad.status_code == 400 and bad.json()["field"] == "bands"
        put = c.put("/api/v1/kyc/risk-policy", json={"weights": {"exif_software": 100}})
        assert put.status_code == 201, put.text
        v1 = put.json()
        assert v1["version"] == 1 and v1["weights"]["exif_software"] == 100
        assert v1["weights"]["screen_recapture"] == current["weights"]["screen_recapture"]
        assert v1["graded"] == current["graded"] and "local_edits" in v1["graded"]["signals"]

    # Under the organisation's own policy the same edit now declines, naming v1.
    again = _verify(harness, key, _edited(card), "cust-1")
    assert again["decision"] == "DECLINED", again["result"]["decisionReasons"]
    assert again["result"]["fraud"]["risk"]["policyVersion"] == f"{v1['organisationId']}/v1"
    with harness.client(api_key=key) as c:
        c.put("/api/v1/kyc/risk-policy", json={"weights": {"exif_software": 10}})
        # A past version stays readable: the decision above can be explained later.
        old = c.get("/api/v1/kyc/risk-policy/versions/1").json()
        assert old["weights"]["exif_software"] == 100
        assert c.get("/api/v1/kyc/risk-policy").json()["version"] == 2
        assert c.get("/api/v1/kyc/risk-policy/versions/9").status_code == 404


def test_a_genuine_card_is_approved_with_its_forensics_listed(harness: Harness) -> None:
    key = _org(harness)
    card, _ = document(DocumentType.NATIONAL_ID_FRONT, seed=SEED + 2)
    got = _verify(harness, key, card, "cust-2")
    assert got["decision"] == "APPROVED", got["result"]["decisionReasons"]
    signals = {s["name"]: s for s in got["result"]["fraud"]["documents"][0]["signals"]}
    assert {"error_level", "double_compression", "screen_recapture", "exif_camera_missing"} <= set(
        signals
    )
    assert not any(s["triggered"] for s in got["result"]["fraud"]["repeatFraud"])


def test_a_triggered_signal_serves_its_heat_map_to_its_organisation_only(
    harness: Harness,
) -> None:
    # A spliced Omang back (dev seed of the tampering set) whose splice leaves a double
    # JPEG trace: the model triggers double_compression and draws where.
    (*_, (_, _, upload)) = iter_set(2, 4_050_000, ("splice",))
    key = _org(harness)
    got = _verify(harness, key, upload.image_bytes, "cust-heat")
    sig = next(
        s
        for d in got["result"]["fraud"]["documents"]
        for s in d["signals"]
        if s["name"] == "double_compression"
    )
    assert sig["triggered"], sig
    assert sig["heatmapUrl"] == (
        f"/api/v1/kyc/verifications/{got['id']}/fraud/heatmaps/0/0/double_compression"
    )
    with harness.client(api_key=key) as c:
        resp = c.get(sig["heatmapUrl"])
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
        heat = cv2.imdecode(np.frombuffer(resp.content, np.uint8), cv2.IMREAD_UNCHANGED)
        assert heat is not None and heat.size > 0 and heat.max() > 0
        untriggered = c.get(sig["heatmapUrl"].replace("double_compression", "print_recapture"))
        assert untriggered.status_code == 404 and untriggered.json()["code"] == "NOT_FOUND"
    with harness.client(api_key=_org(harness)) as c:
        assert c.get(sig["heatmapUrl"]).status_code == 404
