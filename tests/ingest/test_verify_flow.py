"""The two flows, reads, idempotency and health, through the real API and pipeline."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from core.settings import Settings
from models.doctypes import DocumentType
from tests.fixtures.documents import document
from tests.fixtures.images import as_image, document_like, encode
from tests.fixtures.pipeline import Harness, build_harness, destroy_harness

pytestmark = pytest.mark.integration

GOOD = encode(document_like())


def test_async_submission_then_poll(harness: Harness) -> None:
    # A card no other test submits, in an organisation of its own: nothing the session
    # did before can be held against it.
    omang, sample = document(DocumentType.NATIONAL_ID_FRONT, seed=7_300_010)
    with harness.client(api_key=harness.new_organisation()) as c:
        resp = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("front.jpg", omang, "image/jpeg")},
            data={"reference": "cust-42", "metadata": '{"channel": "branch"}'},
            headers={"Prefer": "respond-async"},
        )
        assert resp.status_code == 202
        body = resp.json()
        assert body["status"] == "processing" and body["id"].startswith("ver_")
        location = resp.headers["location"]
        assert location == f"/api/v1/kyc/verifications/{body['id']}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            got = c.get(location).json()
            if got["status"] in ("completed", "failed"):
                break
            time.sleep(0.2)
    assert got["status"] == "completed"
    assert got["reference"] == "cust-42" and got["metadata"] == {"channel": "branch"}
    assert got["verificationType"] == "IDENTITY"
    # A genuine card, read, classified, extracted with every check passing, and a low
    # fraud risk under the default policy: approved, with nothing to explain.
    assert got["decision"] == "APPROVED", got["result"]["decisionReasons"]
    assert got["result"]["decisionReasons"] == []
    assert got["result"]["riskBand"] == "low" and got["result"]["riskScore"] <= 30
    risk = got["result"]["fraud"]["risk"]
    assert risk["policyVersion"].startswith("fraud-") and risk["decision"] == "approve"
    (forensics,) = got["result"]["fraud"]["documents"]
    assert {"error_level", "noise_inconsistency", "exif_software"} <= {
        s["name"] for s in forensics["signals"]
    }
    assert got["metrics"]["stages"]["fraud"]["inferenceMs"] > 0
    assert got["result"]["totalDocuments"] == 1 and got["result"]["documentsFound"] == 1
    doc = got["result"]["documents"][0]
    assert doc["mediaType"] == "image/jpeg"
    (quality,) = [c for c in doc["checks"] if c["name"] == "IMAGE_QUALITY"]
    assert quality["status"] == "pass"
    assert doc["documentType"] == "OMANG" and doc["documentSide"] == "FRONT"
    assert doc["classification"]["documentType"] == "national_id_front"
    assert 0.9 < doc["confidence"] <= 1 and got["result"]["averageConfidence"] == doc["confidence"]
    assert sample.field("surname").value in doc["rawOCRText"]
    assert all(0.5 <= line["confidence"] <= 1 for line in doc["ocr"]["lines"])
    assert {"intake", "quality", "ocr", "classify"} <= set(got["metrics"]["stages"])
    assert got["metrics"]["stages"]["ocr"]["inferenceMs"] > 0
    assert got["metrics"]["totalFiles"] == 1 and got["metrics"]["processingTimeMs"] > 0
    # Read from the card: the customary keys, normalised; every field in detail.
    data = doc["extractedData"]
    assert data["idNumber"] == sample.field("id_number").value
    assert sample.field("surname").value in data["name"]
    assert doc["fields"]["id_number"]["source"] == "VIZ"
    assert 0 < doc["fields"]["id_number"]["confidence"] <= 1
    assert "extract" in got["metrics"]["stages"]


def test_synchronous_flow_answers_with_the_result(harness: Harness) -> None:
    blurred = encode(as_image(cv2.GaussianBlur(document_like(), (0, 0), 8)))
    trace_id = uuid.uuid4().hex
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/verify/auto",
            files=[
                ("documents", ("a.jpg", GOOD, "image/jpeg")),
                ("documents", ("b.jpg", blurred, "image/jpeg")),
            ],
            headers={"Prefer": "wait=20", "traceparent": f"00-{trace_id}-b7ad6b7169203331-01"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "completed"
    assert body["metrics"]["processingMode"] == "batch"
    issues = [d["quality"]["issues"] for d in body["result"]["documents"]]
    assert issues[0] == [] and "BLURRY" in issues[1]
    # The completion event for backend systems carries the same body and the client's trace.
    (event,) = [e for e in harness.finished_events() if e["verification_id"] == body["id"]]
    assert event["event_type"] == "verification.completed"
    assert json.loads(event["body_json"])["result"] == body["result"]
    assert event["traceparent"].split("-")[1] == trace_id


def test_a_payslip_sent_for_identity_is_declined_as_a_type_mismatch(harness: Harness) -> None:
    payslip, _ = document(DocumentType.PAYSLIP, template=1)
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("id.jpg", payslip, "image/jpeg")},
            headers={"Prefer": "wait=30"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["decision"] == "DECLINED"
    assert body["result"]["decisionReasons"] == ["DOCUMENT_TYPE_MISMATCH"]
    doc = body["result"]["documents"][0]
    assert doc["documentType"] == "PAYSLIP"
    (check,) = [c for c in doc["checks"] if c["name"] == "DOCUMENT_TYPE"]
    assert check["status"] == "fail" and check["reasons"] == ["DOCUMENT_TYPE_MISMATCH"]


def test_auto_detects_the_category(harness: Harness) -> None:
    bill, _ = document(DocumentType.ELECTRICITY_BILL, condition="phone")
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/verify/auto",
            files={"documents": ("bill.jpg", bill, "image/jpeg")},
            headers={"Prefer": "wait=30"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["verificationType"] == "ADDRESS"
    assert body["result"]["documents"][0]["documentType"] == "ELECTRICITY_BILL"


def test_unreadable_content_fails_the_verification(harness: Harness) -> None:
    # A JPEG whose header and end marker are valid but whose body is garbage:
    # it passes the API's cheap checks and fails in intake.
    corrupt = GOOD[:200] + bytes(5000) + b"\xff\xd9"
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("x.jpg", corrupt, "image/jpeg")},
            headers={"Prefer": "wait=20"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "DOCUMENT_UNREADABLE"


def test_idempotency_key(harness: Harness) -> None:
    key = str(uuid.uuid4())
    files = {"documents": ("front.jpg", GOOD, "image/jpeg")}
    with harness.client() as c:
        first = c.post(
            "/api/v1/kyc/verify/identity",
            files=files,
            headers={"Idempotency-Key": key, "Prefer": "wait=20"},
        )
        rows = harness.count("verifications")
        objects = harness.object_count()
        again = c.post(
            "/api/v1/kyc/verify/identity",
            files=files,
            headers={"Idempotency-Key": key, "Prefer": "wait=20"},
        )
        other = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("other.jpg", GOOD + b"\x00", "image/jpeg")},
            headers={"Idempotency-Key": key},
        )
    assert first.status_code == again.status_code
    assert again.json() == first.json()
    assert harness.count("verifications") == rows and harness.object_count() == objects
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_get_unknown_is_a_404_problem(harness: Harness) -> None:
    with harness.client() as c:
        resp = c.get("/api/v1/kyc/verifications/ver_doesnotexist")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "NOT_FOUND"


def test_list_filters_and_paginates(harness: Harness) -> None:
    ref = f"list-{uuid.uuid4().hex[:8]}"
    with harness.client() as c:
        ids = [
            c.post(
                "/api/v1/kyc/verify/address",
                files={"documents": ("b.jpg", GOOD, "image/jpeg")},
                data={"reference": ref},
                headers={"Prefer": "respond-async"},
            ).json()["id"]
            for _ in range(3)
        ]
        page1 = c.get("/api/v1/kyc/verifications", params={"reference": ref, "limit": 2}).json()
        page2 = c.get(
            "/api/v1/kyc/verifications",
            params={"reference": ref, "limit": 2, "cursor": page1["nextCursor"]},
        ).json()
        typed = c.get(
            "/api/v1/kyc/verifications", params={"reference": ref, "verificationType": "identity"}
        ).json()
        bad = c.get("/api/v1/kyc/verifications", params={"status": "sleeping"})
    seen = [v["id"] for v in page1["data"] + page2["data"]]
    assert seen == list(reversed(ids))  # newest first, no overlap
    assert page1["hasMore"] and not page2["hasMore"]
    assert typed["data"] == []
    assert bad.status_code == 400


def test_health_and_openapi(harness: Harness) -> None:
    with harness.client() as c:
        assert c.get("/health/live").json() == {"status": "ok"}
        ready = c.get("/health/ready")
        assert ready.status_code == 200 and all(ready.json()["checks"].values())
        spec = c.get("/openapi/openapi.json").json()
    assert "/api/v1/kyc/verify/{category}" in spec["paths"]


@pytest.fixture
def stopped_pipeline(stack: Settings, tmp_path: Path) -> Iterator[Harness]:
    h = build_harness(stack, tmp_path / "h", worker=False)
    yield h
    destroy_harness(h)


def test_deadline_is_respected_when_the_pipeline_is_stopped(stopped_pipeline: Harness) -> None:
    with stopped_pipeline.client() as c:
        started = time.monotonic()
        resp = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("f.jpg", GOOD, "image/jpeg")},
            headers={"Prefer": "wait=2"},
        )
        elapsed = time.monotonic() - started
    assert resp.status_code == 202
    assert resp.json()["status"] == "processing"
    # The contract: never answer later than the deadline the client asked for.
    assert elapsed < 2.0, f"answered after {elapsed:.2f}s"


def test_a_declared_document_type_skips_classification(harness: Harness) -> None:
    payslip, _ = document(DocumentType.PAYSLIP, template=2)
    with harness.client() as c:
        wrong = c.post(
            "/api/v1/kyc/verify/identity",
            files={"documents": ("p.jpg", payslip, "image/jpeg")},
            data={"documentType": "payslip"},
        )
        resp = c.post(
            "/api/v1/kyc/verify/income",
            files={"documents": ("p.jpg", payslip, "image/jpeg")},
            data={"documentType": "PAYSLIP"},
            headers={"Prefer": "wait=30"},
        )
    assert wrong.status_code == 400 and wrong.json()["field"] == "documentType"
    assert resp.status_code == 200, resp.text
    doc = resp.json()["result"]["documents"][0]
    assert doc["documentType"] == "PAYSLIP"
    assert doc["classification"]["reason"] == "DECLARED_BY_CLIENT"
    assert "inferenceMs" not in resp.json()["metrics"]["stages"]["classify"]


def test_extract_returns_the_data_only(harness: Harness) -> None:
    passport, sample = document(DocumentType.PASSPORT, condition="phone")
    with harness.client() as c:
        resp = c.post(
            "/api/v1/kyc/extract",
            files={"documents": ("passport.jpg", passport, "image/jpeg")},
            headers={"Prefer": "wait=30"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "extraction" and body["status"] == "completed"
    assert "decision" not in body
    (doc,) = body["documents"]
    assert doc["documentType"] == "PASSPORT"
    # The MRZ was found, its check digits verified, and it agrees with the visual zone.
    assert doc["mrz"]["valid"] is True and tuple(doc["mrz"]["lines"]) == sample.mrz
    assert doc["extractedData"]["idNumber"] == sample.field("passport_number").value
    assert doc["fields"]["passport_number"]["source"] in ("MRZ", "VIZ+MRZ")
    names = {c["name"]: c for c in doc["checks"]}
    assert names["MRZ"]["status"] == "pass" and names["MRZ_VIZ_AGREEMENT"]["status"] == "pass"
