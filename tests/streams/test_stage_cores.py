"""Pure cores of the stages: intake normalisation and the decision."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
from PIL import Image

from core.domain import Decision, Status
from streams.stages.decision import decide, finished_event_id
from streams.stages.intake import normalise, page_key
from tests.fixtures.events import submission_json
from tests.fixtures.files import pdf_with_pages
from tests.fixtures.images import document_like


def _exif_rotated_jpeg() -> bytes:
    img = Image.fromarray(cv2.cvtColor(document_like(600, 400), cv2.COLOR_BGR2RGB))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_exif_orientation_is_applied() -> None:
    (page,) = normalise(_exif_rotated_jpeg(), "image/jpeg", dpi=150, max_side=2000)
    assert page.image is not None and page.image.shape[:2] == (600, 400)
    assert page.rotation_applied == 270


def test_large_images_are_scaled_down_and_alpha_is_flattened() -> None:
    rgba = np.zeros((3000, 1500, 4), np.uint8)  # fully transparent
    _, png = cv2.imencode(".png", rgba)
    (page,) = normalise(png.tobytes(), "image/png", dpi=150, max_side=1000)
    assert page.image is not None and page.image.shape == (1000, 500, 3)
    assert int(page.image.mean()) == 255  # transparent → white paper


def test_pdf_pages_are_rendered() -> None:
    pages = normalise(pdf_with_pages(3), "application/pdf", dpi=144, max_side=2000)
    assert [p.page for p in pages] == [0, 1, 2]
    assert all(p.image is not None and p.image.shape == (400, 400, 3) for p in pages)


def test_garbage_is_a_reason_code_not_an_exception() -> None:
    (page,) = normalise(b"\xff\xd8\xff" + bytes(100), "image/jpeg", dpi=150, max_side=2000)
    assert page.image is None and page.error == "DOCUMENT_UNREADABLE"
    (page,) = normalise(b"%PDF-1.4 broken", "application/pdf", dpi=150, max_side=2000)
    assert page.error == "DOCUMENT_UNREADABLE"


def test_page_key() -> None:
    assert page_key("v/o/ver_1/00-document.pdf", 2) == "v/o/ver_1/pages/00-document-p002.jpg"


def _event(
    pages: list[dict[str, object]],
    quality: list[dict[str, object]],
    *,
    category: str = "identity",
    doc_type: str | None = None,
    probability: float = 0.97,
) -> dict[str, object]:
    event: dict[str, object] = {
        "submission_json": submission_json(category),
        "intake": {"pages": pages},
        "quality": {"pages": quality},
    }
    if doc_type is not None:
        lines = [{"text": "PAYSLIP", "confidence": 0.99, "box": [[0, 0], [9, 0], [9, 9], [0, 9]]}]
        reading = {"lines": lines, "geometry": {"rotation": 0}, "timingsMs": {}}
        event["ocr"] = {
            "pages": [{"file_position": 0, "page": 0, "reading_json": json.dumps(reading)}]
        }
        prediction = {"documentType": doc_type, "probability": probability, "top": []}
        event["classification"] = {
            "pages": [
                {
                    "file_position": 0,
                    "page": 0,
                    "document_type": doc_type,
                    "probability": probability,
                    "prediction_json": json.dumps(prediction),
                }
            ]
        }
    return event


PAGE = {
    "file_position": 0,
    "page": 0,
    "role": "document",
    "object_key": "p",
    "width": 10,
    "height": 10,
    "rotation_applied": 0,
    "error": None,
}


def _q(issues: list[str]) -> dict[str, object]:
    return {
        "file_position": 0,
        "page": 0,
        "score": 0.9,
        "issues": issues,
        "report_json": json.dumps({"issues": issues}),
    }


def test_good_quality_without_a_fraud_score_goes_to_review() -> None:
    v = decide(_event([PAGE], [_q([])]))
    assert v.status is Status.COMPLETED and v.decision is Decision.REVIEW
    assert v.reasons == ["AUTOMATED_CHECKS_INCOMPLETE"]
    assert v.result is not None and v.result["documentsFound"] == 1


def test_unusable_quality_is_declined() -> None:
    v = decide(_event([PAGE], [_q(["BLURRY"])]))
    assert v.decision is Decision.DECLINED and v.reasons == ["INVALID_DOCUMENT_QUALITY"]
    assert v.result is not None
    assert v.result["documents"][0]["checks"][1] == {
        "name": "IMAGE_QUALITY",
        "status": "fail",
        "reasons": ["BLURRY"],
    }


def test_cropping_alone_is_not_blocking() -> None:
    assert decide(_event([PAGE], [_q(["CROPPED"])])).decision is Decision.REVIEW


def test_nothing_readable_fails() -> None:
    v = decide(_event([PAGE | {"object_key": None, "error": "DOCUMENT_UNREADABLE"}], []))
    assert v.status is Status.FAILED and v.decision is None
    assert v.error is not None and v.error["code"] == "DOCUMENT_UNREADABLE"


def test_finished_event_id_is_deterministic() -> None:
    assert finished_event_id("ver_abc") == finished_event_id("ver_abc") == "evt_fin_abc"


def test_a_payslip_sent_for_identity_is_a_type_mismatch() -> None:
    v = decide(_event([PAGE], [_q([])], category="identity", doc_type="payslip"))
    assert v.decision is Decision.DECLINED and v.reasons == ["DOCUMENT_TYPE_MISMATCH"]
    assert v.result is not None
    doc = v.result["documents"][0]
    assert doc["documentType"] == "PAYSLIP" and doc["confidence"] == 0.97
    check = doc["checks"][-1]
    assert check["name"] == "DOCUMENT_TYPE" and check["reasons"] == ["DOCUMENT_TYPE_MISMATCH"]
    assert doc["rawOCRText"] == "PAYSLIP" and doc["ocr"]["lines"][0]["confidence"] == 0.99


def test_the_right_type_passes_and_still_goes_to_review() -> None:
    v = decide(_event([PAGE], [_q([])], category="identity", doc_type="national_id_front"))
    assert v.decision is Decision.REVIEW and v.reasons == ["AUTOMATED_CHECKS_INCOMPLETE"]
    assert v.result is not None
    doc = v.result["documents"][0]
    assert doc["documentType"] == "OMANG" and doc["documentSide"] == "FRONT"
    assert v.result["averageConfidence"] == 0.97


def test_a_bank_statement_serves_address_and_income() -> None:
    for category in ("address", "income"):
        v = decide(_event([PAGE], [_q([])], category=category, doc_type="bank_statement"))
        assert v.decision is Decision.REVIEW


def test_an_unknown_document_is_for_a_human_not_a_mismatch() -> None:
    v = decide(_event([PAGE], [_q([])], category="address", doc_type="unknown"))
    assert v.decision is Decision.REVIEW
    assert v.reasons == ["DOCUMENT_TYPE_UNKNOWN", "AUTOMATED_CHECKS_INCOMPLETE"]


def test_auto_detects_the_verification_type() -> None:
    v = decide(_event([PAGE], [_q([])], category="auto", doc_type="payslip"))
    assert v.result is not None and v.result["detectedVerificationType"] == "INCOME"


def _with_reading(event: dict[str, object], lines: int, confidence: float) -> dict[str, object]:
    box = [[0, 0], [9, 0], [9, 9], [0, 9]]
    reading = {
        "lines": [{"text": f"line {i}", "confidence": confidence, "box": box} for i in range(lines)]
    }
    event["ocr"] = {"pages": [{"file_position": 0, "page": 0, "reading_json": json.dumps(reading)}]}
    return event


def test_a_page_read_confidently_is_usable_despite_quality_flags() -> None:
    event = _event([PAGE], [_q(["BLURRY"])], category="identity", doc_type="passport")
    v = decide(_with_reading(event, lines=12, confidence=0.95))
    assert v.decision is Decision.REVIEW
    assert v.result is not None
    check = v.result["documents"][0]["checks"][1]
    assert check["name"] == "IMAGE_QUALITY" and check["status"] == "pass"
    assert "BLURRY measured" in check["detail"] and "12 lines" in check["detail"]


def test_a_flagged_page_the_ocr_could_not_read_is_declined() -> None:
    event = _event([PAGE], [_q(["BLURRY"])], category="identity", doc_type="passport")
    v = decide(_with_reading(event, lines=12, confidence=0.6))
    assert v.decision is Decision.DECLINED and v.reasons == ["INVALID_DOCUMENT_QUALITY"]
    v = decide(_with_reading(event, lines=2, confidence=0.99))
    assert v.decision is Decision.DECLINED
