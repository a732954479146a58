"""The image_quality model answers through tritonclient on the real Triton."""

from __future__ import annotations

import cv2
import pytest

from core.inference import TritonGateway
from core.settings import Settings
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
