"""The image_quality model answers through tritonclient on the real Triton."""

from __future__ import annotations

import time

import cv2
import pytest

from core.inference import TritonGateway
from core.settings import Settings
from models.doctypes import DocumentType
from tests.fixtures.documents import document
from tests.fixtures.images import Image, as_image, encode

pytestmark = pytest.mark.integration


def test_quality_reports_for_a_batch(stack: Settings, sharp_document: Image) -> None:
    gateway = TritonGateway(stack.triton)
    blurred = as_image(cv2.GaussianBlur(sharp_document, (0, 0), 6))
    sharp_r, blur_r, junk_r = gateway.image_quality(
        [encode(sharp_document), encode(blurred), b"definitely not an image"]
    )
    assert sharp_r.report["issues"] == []
    assert sharp_r.report["width"] == sharp_document.shape[1]
    assert "BLURRY" in blur_r.report["issues"]
    assert blur_r.score < sharp_r.score
    assert junk_r.report["error"] == "UNDECODABLE_IMAGE" and junk_r.score == 0.0


def test_model_statistics_are_reported(stack: Settings, sharp_document_jpeg: bytes) -> None:
    gateway = TritonGateway(stack.triton)
    gateway.image_quality([sharp_document_jpeg])
    stats = gateway.model_stats("image_quality")["model_stats"][0]
    assert int(stats["inference_count"]) >= 1


def _squash(text: str) -> str:
    return "".join(text.split()).upper()


def test_document_ocr_reads_a_generated_omang(stack: Settings) -> None:
    gateway = TritonGateway(stack.triton)
    jpeg, sample = document(DocumentType.NATIONAL_ID_FRONT, condition="phone")
    (reading,) = gateway.document_ocr([jpeg])
    text = _squash("".join(line["text"] for line in reading["lines"]))
    for name in ("surname", "id_number"):
        assert _squash(sample.field(name).value) in text, name
    assert reading["geometry"]["pageFound"] is True  # a photo on a table: page found
    line = reading["lines"][0]
    assert 0.5 <= line["confidence"] <= 1 and len(line["box"]) == 4
    (pred,) = gateway.classify_documents(["\n".join(ln["text"] for ln in reading["lines"])])
    assert pred["documentType"] == "national_id_front" and pred["probability"] > 0.9


def test_unreadable_bytes_are_an_ocr_error_not_a_failure(stack: Settings) -> None:
    (reading,) = TritonGateway(stack.triton).document_ocr([b"not an image"])
    assert reading == {"error": "UNDECODABLE_IMAGE"}


def test_identical_pages_are_answered_from_the_response_cache(stack: Settings) -> None:
    gateway = TritonGateway(stack.triton)
    # A page no earlier run has sent: its first request must be computed.
    jpeg, _ = document(DocumentType.WATER_BILL, seed=int(time.time() * 1000) % 10**9)

    def hits() -> int:
        stats = gateway.model_stats("document_ocr")["model_stats"][0]["inference_stats"]
        return int(stats["cache_hit"]["count"])

    before = hits()
    first = gateway.document_ocr([jpeg])
    assert hits() == before
    second = gateway.document_ocr([jpeg])
    assert hits() == before + 1 and second == first


def test_the_classifier_refuses_what_it_does_not_know(stack: Settings) -> None:
    gateway = TritonGateway(stack.triton)
    cat, _ = document(DocumentType.UNKNOWN, template=4)  # a natural photo (skimage)
    blank, _ = document(DocumentType.UNKNOWN, template=3)
    shop, _ = document(DocumentType.UNKNOWN, template=2)
    readings = [gateway.document_ocr([img])[0] for img in (cat, blank, shop)]
    texts = ["\n".join(line["text"] for line in r["lines"]) for r in readings]
    preds = gateway.classify_documents(texts)
    assert [p["documentType"] for p in preds] == ["unknown"] * 3
    assert preds[1]["reason"] == "NO_TEXT"
